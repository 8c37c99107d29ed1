//! The named vectors of shared/spec/cos-protocol.md ("Test vectors"): D1–D4 from Tencent's
//! documentation, G1–G3 from the Go SDK's tests, N1–N7 computed with the Node and Python SDKs,
//! each pinned at every stage (SignKey, HttpParameters, HttpHeaders, HttpString, StringToSign,
//! lists, signature, Authorization) and, for N6/N7/G2/G3, in their pre-signed URL forms.
//!
//! The final signatures are the published ones; the intermediate values were computed with an
//! independent ~40-line Python implementation of the algorithm (same file, "Algorithm, step by
//! step"; `urllib.parse.quote(s, safe='-_.~')`, `hmac`, `hashlib`) that reproduces every
//! published signature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cos_sign::encode::{uri_encode, uri_encode_path};
use cos_sign::{Credentials, HeaderPolicy, KeyTime, SignableRequest, Signer, sign};

struct Case {
    secret_id: &'static str,
    secret_key: &'static str,
    key_time: KeyTime,
    method: &'static str,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
    policy: HeaderPolicy,
    sign_key: &'static str,
    http_parameters: &'static str,
    http_headers: &'static str,
    string_to_sign: &'static str,
    authorization: &'static str,
}

/// The value of `field` in an Authorization string.
fn auth_field<'a>(authorization: &'a str, field: &str) -> &'a str {
    authorization
        .split('&')
        .find_map(|kv| kv.strip_prefix(field)?.strip_prefix('='))
        .unwrap()
}

fn check(case: &Case) {
    let credentials = Credentials::new(case.secret_id, case.secret_key);
    let request = SignableRequest {
        method: case.method,
        path: case.path,
        query: case.query,
        headers: case.headers,
    };
    // Stage 1: SignKey.
    let signer = Signer::new(&credentials, case.key_time).unwrap();
    assert_eq!(signer.sign_key(), case.sign_key, "SignKey");
    let sig = sign(&request, &credentials, case.key_time, &case.policy).unwrap();
    assert_eq!(sig.sign_key(), case.sign_key, "SignKey");
    // Stages 2–4: HttpParameters, HttpHeaders, HttpString.
    let http_string = format!(
        "{}\n{}\n{}\n{}\n",
        case.method.to_lowercase(),
        case.path,
        case.http_parameters,
        case.http_headers
    );
    assert_eq!(sig.http_string(), http_string, "HttpString");
    // Stage 5: the lists.
    assert_eq!(
        sig.header_list(),
        auth_field(case.authorization, "q-header-list")
    );
    assert_eq!(
        sig.url_param_list(),
        auth_field(case.authorization, "q-url-param-list")
    );
    // Stage 6: StringToSign (embeds hex SHA-1 of the HttpString).
    assert_eq!(sig.string_to_sign(), case.string_to_sign, "StringToSign");
    // Stage 7–8: signature and Authorization.
    assert_eq!(
        sig.signature(),
        auth_field(case.authorization, "q-signature")
    );
    assert_eq!(
        signer.signature_of(case.string_to_sign.as_bytes()),
        sig.signature()
    );
    assert_eq!(sig.authorization(), case.authorization, "Authorization");
    assert_eq!(sig.key_time(), case.key_time);
    assert_eq!(
        sig.key_time_text(),
        auth_field(case.authorization, "q-key-time")
    );
    assert_eq!(sig.secret_id(), case.secret_id);
    // The same through a reused signer.
    assert_eq!(
        signer.sign(&request, &case.policy).unwrap().authorization(),
        case.authorization
    );
}

#[test]
fn d1() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1557989151, 1557996351),
        method: "PUT",
        path: "/exampleobject(腾讯云)",
        query: &[],
        headers: &[
            ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
            (
                "Host",
                "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            ),
            ("Content-Type", "text/plain"),
            ("Content-Length", "13"),
            ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
            ("x-cos-acl", "private"),
            ("x-cos-grant-read", "uin=\"100000000011\""),
        ],
        policy: HeaderPolicy::All,
        sign_key: "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f",
        http_parameters: "",
        http_headers: "content-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22",
        string_to_sign: "sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172",
    });
}

#[test]
fn d2() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1557989753, 1557996953),
        method: "GET",
        path: "/exampleobject(腾讯云)",
        query: &[
            ("response-content-type", "application/octet-stream"),
            ("response-cache-control", "max-age=600"),
        ],
        headers: &[
            ("Date", "Thu, 16 May 2019 06:55:53 GMT"),
            (
                "Host",
                "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            ),
        ],
        policy: HeaderPolicy::All,
        sign_key: "937914bf490e9e8c189836aad2052e4feeb35eaf",
        http_parameters: "response-cache-control=max-age%3D600&response-content-type=application%2Foctet-stream",
        http_headers: "date=Thu%2C%2016%20May%202019%2006%3A55%3A53%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
        string_to_sign: "sha1\n1557989753;1557996953\n54ecfe22f59d3514fdc764b87a32d8133ea611e6\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989753;1557996953&q-key-time=1557989753;1557996953&q-header-list=date;host&q-url-param-list=response-cache-control;response-content-type&q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012",
    });
}

#[test]
fn d3() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1417773892, 1417853898),
        method: "GET",
        path: "/testfile",
        query: &[],
        headers: &[
            ("host", "bucket1-1254000000.cos.ap-beijing.myqcloud.com"),
            ("range", "bytes=0-3"),
        ],
        policy: HeaderPolicy::Default,
        sign_key: "d265642cf75792e70e35030fd14e73134094d673",
        http_parameters: "",
        http_headers: "host=bucket1-1254000000.cos.ap-beijing.myqcloud.com&range=bytes%3D0-3",
        string_to_sign: "sha1\n1417773892;1417853898\n3a529544cb1559b8be98f079df87742e8fad26dc\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1417773892;1417853898&q-key-time=1417773892;1417853898&q-header-list=host;range&q-url-param-list=&q-signature=4b6cbab14ce01381c29032423481ebffd514e8be",
    });
}

#[test]
fn d4() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1417773892, 1417853898),
        method: "PUT",
        path: "/testfile2",
        query: &[],
        headers: &[
            ("host", "bucket1-1254000000.cos.ap-beijing.myqcloud.com"),
            (
                "x-cos-content-sha1",
                "7b502c3a1f48c8609ae212cdfb639dee39673f5e",
            ),
            ("x-cos-storage-class", "standard"),
        ],
        policy: HeaderPolicy::Default,
        sign_key: "d265642cf75792e70e35030fd14e73134094d673",
        http_parameters: "",
        http_headers: "host=bucket1-1254000000.cos.ap-beijing.myqcloud.com&x-cos-content-sha1=7b502c3a1f48c8609ae212cdfb639dee39673f5e&x-cos-storage-class=standard",
        string_to_sign: "sha1\n1417773892;1417853898\n333d4e64abcf79e00c85aae3efd7f940a22c885d\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1417773892;1417853898&q-key-time=1417773892;1417853898&q-header-list=host;x-cos-content-sha1;x-cos-storage-class&q-url-param-list=&q-signature=14e6ebd7955b0c6da532151bf97045e2c5a64e10",
    });
}

#[test]
fn g1() {
    check(&Case {
        secret_id: "QmFzZTY0IGlzIGEgZ2VuZXJp",
        secret_key: "AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM",
        key_time: KeyTime::new(1480932292, 1481012292),
        method: "PUT",
        path: "/testfile2",
        query: &[],
        headers: &[
            ("Host", "testbucket-125000000.cos.ap-guangzhou.myqcloud.com"),
            (
                "x-cos-content-sha1",
                "db8ac1c259eb89d4a131b253bacfca5f319d54f2",
            ),
            ("x-cos-stroage-class", "nearline"),
        ],
        policy: HeaderPolicy::Default,
        sign_key: "95d110a8ead64cac52083100db75b7e3f369e72f",
        http_parameters: "",
        http_headers: "host=testbucket-125000000.cos.ap-guangzhou.myqcloud.com&x-cos-content-sha1=db8ac1c259eb89d4a131b253bacfca5f319d54f2&x-cos-stroage-class=nearline",
        string_to_sign: "sha1\n1480932292;1481012292\n113b22e92b74237531fafbfc8bb9e67be55645c7\n",
        authorization: "q-sign-algorithm=sha1&q-ak=QmFzZTY0IGlzIGEgZ2VuZXJp&q-sign-time=1480932292;1481012292&q-key-time=1480932292;1481012292&q-header-list=host;x-cos-content-sha1;x-cos-stroage-class&q-url-param-list=&q-signature=ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a",
    });
}

#[test]
fn g2() {
    check(&Case {
        secret_id: "QmFzZTY0IGlzIGEgZ*******",
        secret_key: "ZfbOA78asKUYBcXFrJD0a1I*******",
        key_time: KeyTime::new(1622702557, 1622706157),
        method: "PUT",
        path: "/test.jpg",
        query: &[],
        headers: &[],
        policy: HeaderPolicy::Only(vec![]),
        sign_key: "9127879125ac514f301995a1f5f4fc6f7ca4e04b",
        http_parameters: "",
        http_headers: "",
        string_to_sign: "sha1\n1622702557;1622706157\n58095d62e01e6c3d335bf6f9398c5b85698a6f04\n",
        authorization: "q-sign-algorithm=sha1&q-ak=QmFzZTY0IGlzIGEgZ*******&q-sign-time=1622702557;1622706157&q-key-time=1622702557;1622706157&q-header-list=&q-url-param-list=&q-signature=820975b5a8eccce9455b94d4ebed14d66654bf3c",
    });
}

#[test]
fn g3() {
    check(&Case {
        secret_id: "QmFzZTY0IGlzIGEgZ*******",
        secret_key: "ZfbOA78asKUYBcXFrJD0a1I*******",
        key_time: KeyTime::new(1622702557, 1622706157),
        method: "PUT",
        path: "/test.jpg",
        query: &[("test", "params")],
        headers: &[],
        policy: HeaderPolicy::Only(vec![]),
        sign_key: "9127879125ac514f301995a1f5f4fc6f7ca4e04b",
        http_parameters: "test=params",
        http_headers: "",
        string_to_sign: "sha1\n1622702557;1622706157\n499e3b4d8da172314c553d35ceba8d78b449522a\n",
        authorization: "q-sign-algorithm=sha1&q-ak=QmFzZTY0IGlzIGEgZ*******&q-sign-time=1622702557;1622706157&q-key-time=1622702557;1622706157&q-header-list=&q-url-param-list=test&q-signature=7757e84ed5f8953eafc30afcd2a5d1ad68e00d67",
    });
}

#[test]
fn n1() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1557989151, 1557996351),
        method: "PUT",
        path: "/exampleobject(腾讯云)",
        query: &[],
        headers: &[
            ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
            (
                "Host",
                "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            ),
            ("Content-Type", "text/plain"),
            ("Content-Length", "13"),
            ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
            ("x-cos-acl", "private"),
            ("x-cos-grant-read", "uin=\"100000000011\""),
        ],
        policy: HeaderPolicy::Default,
        sign_key: "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f",
        http_parameters: "",
        http_headers: "content-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22",
        string_to_sign: "sha1\n1557989151;1557996351\n8435402812d5d25692dfd1871b8a5bb7f5bd3b57\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=fc4e4717b501da12715d5fc84a4880a87ad2b7ab",
    });
}

#[test]
fn n3() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1700000000, 1700003600),
        method: "PUT",
        path: "/folder/big file.bin",
        query: &[
            ("partNumber", "1"),
            (
                "uploadId",
                "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
            ),
        ],
        headers: &[
            (
                "Host",
                "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
            ),
            ("Content-Length", "1048576"),
        ],
        policy: HeaderPolicy::Default,
        sign_key: "552178a693a0d230b84a4f15c143bc3c2cb3d9c0",
        http_parameters: "partnumber=1&uploadid=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        http_headers: "content-length=1048576&host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        string_to_sign: "sha1\n1700000000;1700003600\nbac6e3c43b2255ed0acb7def96bbf9e80ff85750\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=content-length;host&q-url-param-list=partnumber;uploadid&q-signature=7f46a9119c691b29713a1bcc172148a9b9ae7084",
    });
}

#[test]
fn n4() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1700000000, 1700003600),
        method: "GET",
        path: "/dir/a b+c!'()*~中文.txt",
        query: &[
            ("acl", ""),
            ("Prefix", "a/b c"),
            (
                "response-content-disposition",
                "attachment; filename=\"x y.txt\"",
            ),
        ],
        headers: &[
            (
                "Host",
                "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
            ),
            ("x-cos-meta-Author", "Zhang San 张三"),
            ("Range", "bytes=0-99"),
            ("User-Agent", "ignored"),
        ],
        policy: HeaderPolicy::Default,
        sign_key: "552178a693a0d230b84a4f15c143bc3c2cb3d9c0",
        http_parameters: "acl=&prefix=a%2Fb%20c&response-content-disposition=attachment%3B%20filename%3D%22x%20y.txt%22",
        http_headers: "host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com&range=bytes%3D0-99&x-cos-meta-author=Zhang%20San%20%E5%BC%A0%E4%B8%89",
        string_to_sign: "sha1\n1700000000;1700003600\n933b8ce434229115730f3d1b60279da0a1b42ed2\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=host;range;x-cos-meta-author&q-url-param-list=acl;prefix;response-content-disposition&q-signature=7071d80f184499b439073e958f554fbb61d95410",
    });
}

#[test]
fn n5() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1700000000, 1700003600),
        method: "POST",
        path: "/obj",
        query: &[("uploads", "")],
        headers: &[(
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        )],
        policy: HeaderPolicy::Default,
        sign_key: "552178a693a0d230b84a4f15c143bc3c2cb3d9c0",
        http_parameters: "uploads=",
        http_headers: "host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        string_to_sign: "sha1\n1700000000;1700003600\ncc52a6714267a5b44fc7732b4624271a15e2bc4e\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=host&q-url-param-list=uploads&q-signature=3798940ab297efce6507dcc34d513a98a0a9b459",
    });
}

#[test]
fn n5b() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1700000000, 1700003600),
        method: "POST",
        path: "/obj",
        query: &[("uploads", "")],
        headers: &[
            (
                "Host",
                "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
            ),
            ("Content-Length", "0"),
        ],
        policy: HeaderPolicy::Default,
        sign_key: "552178a693a0d230b84a4f15c143bc3c2cb3d9c0",
        http_parameters: "uploads=",
        http_headers: "content-length=0&host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        string_to_sign: "sha1\n1700000000;1700003600\n7fe6369c680dd5587373c81a23e3ddbfa680e62d\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=content-length;host&q-url-param-list=uploads&q-signature=7f602d6db08979b020380636a42a2868a6ea829c",
    });
}

#[test]
fn n6() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1700000000, 1700003600),
        method: "GET",
        path: "/dir/a b+c中文.txt",
        query: &[("response-content-type", "text/plain")],
        headers: &[(
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        )],
        policy: HeaderPolicy::Default,
        sign_key: "552178a693a0d230b84a4f15c143bc3c2cb3d9c0",
        http_parameters: "response-content-type=text%2Fplain",
        http_headers: "host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        string_to_sign: "sha1\n1700000000;1700003600\nae90a9d213db96307eff0c791e2285a67d7371c3\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=host&q-url-param-list=response-content-type&q-signature=b1ca6cced84bbc2f1da3d96ccd099238c85a923f",
    });
}

#[test]
fn n7() {
    check(&Case {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        key_time: KeyTime::new(1700000000, 1700003600),
        method: "GET",
        path: "/dir/a b+c中文.txt",
        query: &[
            ("response-content-type", "text/plain"),
            ("x-cos-security-token", "TOKEN_EXAMPLE"),
        ],
        headers: &[(
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        )],
        policy: HeaderPolicy::Default,
        sign_key: "552178a693a0d230b84a4f15c143bc3c2cb3d9c0",
        http_parameters: "response-content-type=text%2Fplain&x-cos-security-token=TOKEN_EXAMPLE",
        http_headers: "host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        string_to_sign: "sha1\n1700000000;1700003600\n9a108371806cc371a3ff24017e102a6593a3bff7\n",
        authorization: "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=host&q-url-param-list=response-content-type;x-cos-security-token&q-signature=44c50878c157877b5c096695535d33e4233a93fb",
    });
}
const SAMPLE_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SAMPLE_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const N_HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
const N_KEY_TIME: KeyTime = KeyTime::new(1700000000, 1700003600);

/// D1 with the doc's header set chosen explicitly rather than "all".
#[test]
fn d1_with_an_explicit_header_list() {
    let headers = [
        ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
        (
            "Host",
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
        ),
        ("Content-Type", "text/plain"),
        ("Content-Length", "13"),
        ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
        ("x-cos-acl", "private"),
        ("x-cos-grant-read", "uin=\"100000000011\""),
        ("User-Agent", "not in the list"),
    ];
    let only = [
        "content-length",
        "content-md5",
        "content-type",
        "date",
        "host",
        "x-cos-acl",
        "x-cos-grant-read",
    ];
    let policy = HeaderPolicy::Only(only.iter().map(|s| s.to_string()).collect());
    let req = SignableRequest::new("PUT", "/exampleobject(腾讯云)").with_headers(&headers);
    let sig = sign(
        &req,
        &Credentials::new(SAMPLE_ID, SAMPLE_KEY),
        KeyTime::new(1557989151, 1557996351),
        &policy,
    )
    .unwrap();
    assert_eq!(sig.signature(), "3b8851a11a569213c17ba8fa7dcf2abec6935172");
}

/// N6: Node's `getObjectUrl`: the q-* pairs with raw values, the token appended unsigned, then
/// the request's parameters.
#[test]
fn n6_presigned_url_node_form() {
    let credentials = Credentials::new(SAMPLE_ID, SAMPLE_KEY).with_security_token("TOKEN_EXAMPLE");
    let query = [("response-content-type", "text/plain")];
    let headers = [("Host", N_HOST)];
    let req = SignableRequest::new("GET", "/dir/a b+c中文.txt")
        .with_query(&query)
        .with_headers(&headers);
    let sig = sign(&req, &credentials, N_KEY_TIME, &HeaderPolicy::Default).unwrap();
    let mut url = format!("https://{N_HOST}{}?", uri_encode_path(req.path));
    let pairs: Vec<String> = sig
        .presigned_query()
        .into_iter()
        .chain(query.iter().map(|&(n, v)| (n.to_string(), uri_encode(v))))
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    url.push_str(&pairs.join("&"));
    assert_eq!(
        url,
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a%20b%2Bc%E4%B8%AD%E6%96%87.txt?q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=host&q-url-param-list=response-content-type&q-signature=b1ca6cced84bbc2f1da3d96ccd099238c85a923f&x-cos-security-token=TOKEN_EXAMPLE&response-content-type=text%2Fplain"
    );
}

/// N7: Python's `get_presigned_url` with the token among the signed parameters: values
/// encoded, the token not appended a second time.
#[test]
fn n7_presigned_url_python_form() {
    let credentials = Credentials::new(SAMPLE_ID, SAMPLE_KEY).with_security_token("TOKEN_EXAMPLE");
    let query = [
        ("response-content-type", "text/plain"),
        ("x-cos-security-token", "TOKEN_EXAMPLE"),
    ];
    let headers = [("Host", N_HOST)];
    let req = SignableRequest::new("GET", "/dir/a b+c中文.txt")
        .with_query(&query)
        .with_headers(&headers);
    let sig = sign(&req, &credentials, N_KEY_TIME, &HeaderPolicy::Default).unwrap();
    assert_eq!(
        sig.presigned_query().len(),
        7,
        "the signed token is not appended again"
    );
    let mut query_string = sig.presigned_query_string();
    for (n, v) in query {
        query_string.push_str(&format!("&{n}={}", uri_encode(v)));
    }
    assert_eq!(
        query_string,
        "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000%3B1700003600&q-key-time=1700000000%3B1700003600&q-header-list=host&q-url-param-list=response-content-type%3Bx-cos-security-token&q-signature=44c50878c157877b5c096695535d33e4233a93fb&response-content-type=text%2Fplain&x-cos-security-token=TOKEN_EXAMPLE"
    );
}

/// G2/G3: Go's presign tests: the encoded `q-sign-time`, and the merged `sign=` form.
#[test]
fn g2_g3_presigned_forms() {
    let credentials =
        Credentials::new("QmFzZTY0IGlzIGEgZ*******", "ZfbOA78asKUYBcXFrJD0a1I*******");
    let key_time = KeyTime::new(1622702557, 1622706157);
    let headers = [("Host", "testbucket-125000000.cos.ap-guangzhou.myqcloud.com")];
    let g2 = SignableRequest::new("PUT", "/test.jpg").with_headers(&headers);
    let sig = sign(&g2, &credentials, key_time, &HeaderPolicy::Only(vec![])).unwrap();
    let qs = sig.presigned_query_string();
    assert!(qs.contains("&q-sign-time=1622702557%3B1622706157&"), "{qs}");
    assert!(
        qs.ends_with(
            "&q-header-list=&q-url-param-list=&q-signature=820975b5a8eccce9455b94d4ebed14d66654bf3c"
        ),
        "{qs}"
    );

    let query = [("test", "params")];
    let g3 = g2.with_query(&query);
    let sig = sign(&g3, &credentials, key_time, &HeaderPolicy::Only(vec![])).unwrap();
    let (name, value) = sig.merged_query();
    let merged = format!("test=params&{name}={}", uri_encode(&value));
    assert!(
        merged.starts_with("test=params&sign=q-sign-algorithm%3Dsha1%26q-ak%3D"),
        "{merged}"
    );
    assert!(
        merged.ends_with(
            "%26q-url-param-list%3Dtest%26q-signature%3D7757e84ed5f8953eafc30afcd2a5d1ad68e00d67"
        ),
        "{merged}"
    );
}
