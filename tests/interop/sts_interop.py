# Drives Tencent's own Python STS clients and cos-python-sdk-v5 against the cos-rs emulator.
#
# Run by `cargo xtask interop`, which installs the pinned packages (requirements.txt) into a
# virtual environment under the target directory, starts the emulator with --sts-listen and
# passes its coordinates in the environment:
#   INTEROP_ENDPOINT      http://127.0.0.1:PORT    (COS)
#   INTEROP_STS_ENDPOINT  http://127.0.0.1:PORT    (STS: GetFederationToken, AssumeRole)
#   INTEROP_SECRET_ID / INTEROP_SECRET_KEY, INTEROP_BUCKET (name-appid), INTEROP_REGION
#
# Keys are asked for twice, once with each signing scheme STS speaks:
#   - tencentcloud-sdk-python's StsClient (TC3-HMAC-SHA256, JSON body),
#   - qcloud-python-sts's Sts(...).get_credential() (signature v1, form body),
# both with a policy that allows the upload actions on <bucket>/python/* only. With each set,
# cos-python-sdk-v5 must be able to upload under python/ and must be refused (403
# AccessDenied) everywhere else and for any other action.
#
# Every step prints one line; the first failing step is named and the process exits 1.

import hashlib
import json
import os
import sys
import time
import traceback
from urllib.parse import quote, urlsplit


def env(name):
    value = os.environ.get(name)
    if not value:
        raise SystemExit(
            f"environment variable {name} is not set (run this through cargo xtask interop)"
        )
    return value


COS_ENDPOINT = urlsplit(env("INTEROP_ENDPOINT"))
STS_ENDPOINT = urlsplit(env("INTEROP_STS_ENDPOINT"))
SECRET_ID = env("INTEROP_SECRET_ID")
SECRET_KEY = env("INTEROP_SECRET_KEY")
BUCKET = env("INTEROP_BUCKET")
REGION = env("INTEROP_REGION")
APPID = BUCKET.rsplit("-", 1)[1]
PREFIX = "python/"

# Tencent's recommended upload set (shared/spec/sts.md, "Action and resource per COS
# operation"), plus AbortMultipartUpload as the doc adds.
UPLOAD_ACTIONS = [
    "name/cos:PutObject",
    "name/cos:PostObject",
    "name/cos:InitiateMultipartUpload",
    "name/cos:ListMultipartUploads",
    "name/cos:ListParts",
    "name/cos:UploadPart",
    "name/cos:CompleteMultipartUpload",
    "name/cos:AbortMultipartUpload",
]
RESOURCE = f"qcs::cos:{REGION}:uid/{APPID}:{BUCKET}/{PREFIX}*"
POLICY = {
    "version": "2.0",
    "statement": [{"effect": "allow", "action": UPLOAD_ACTIONS, "resource": [RESOURCE]}],
}
DURATION = 900


class StepFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise StepFailed(what)


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def header(response, name):
    """A response header from cos-python-sdk-v5's result dict, whose keys keep the case the
    server sent (`dict(**response.headers)`): the emulator's are lower-case, COS's are not."""
    return next((v for k, v in response.items() if k.lower() == name.lower()), None)


# ---- STS clients --------------------------------------------------------------------------


def federation_token_tc3(secret_key=SECRET_KEY):
    """tencentcloud-sdk-python: StsClient.GetFederationToken, signed with TC3."""
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sts.v20180813 import models, sts_client

    http_profile = HttpProfile(protocol="http", endpoint=STS_ENDPOINT.netloc, reqTimeout=10)
    profile = ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http_profile)
    client = sts_client.StsClient(
        credential.Credential(SECRET_ID, secret_key), "ap-guangzhou", profile
    )
    request = models.GetFederationTokenRequest()
    request.from_json_string(
        json.dumps(
            {
                "Name": "cos-rs-interop-python",
                # Tencent's API takes the policy URL-encoded; the SDK sends what it is given.
                "Policy": quote(json.dumps(POLICY)),
                "DurationSeconds": DURATION,
            }
        )
    )
    response = client.GetFederationToken(request)
    creds = response.Credentials
    check(creds is not None, "no Credentials in the answer")
    for field in ("TmpSecretId", "TmpSecretKey", "Token"):
        check(getattr(creds, field), f"Credentials.{field} is empty")
    now = int(time.time())
    check(
        now + DURATION - 60 <= response.ExpiredTime <= now + DURATION + 60,
        f"ExpiredTime {response.ExpiredTime}, want about now+{DURATION} ({now + DURATION})",
    )
    check(response.Expiration, "no Expiration")
    check(response.RequestId, "no RequestId")
    keys = {
        "id": creds.TmpSecretId,
        "key": creds.TmpSecretKey,
        "token": creds.Token,
        "expired": response.ExpiredTime,
    }
    return keys, f"TmpSecretId {creds.TmpSecretId}, ExpiredTime {response.ExpiredTime}"


def federation_token_v1(secret_key=SECRET_KEY):
    """qcloud-python-sts: Sts(config).get_credential(), signed with signature v1.

    `url` is where it POSTs (plain http is fine: it is handed to requests as is); `domain` is
    the host it signs, which must be the Host header requests sends: `127.0.0.1:PORT`.
    """
    from sts.sts import Sts

    sts = Sts(
        {
            "secret_id": SECRET_ID,
            "secret_key": secret_key,
            "duration_seconds": DURATION,
            "bucket": BUCKET,
            "region": REGION,
            "allow_prefix": [f"{PREFIX}*"],
            "allow_actions": UPLOAD_ACTIONS,
            "url": f"http://{STS_ENDPOINT.netloc}/",
            "domain": STS_ENDPOINT.netloc,
        }
    )
    check(
        sts.resource == [RESOURCE],
        f"qcloud-python-sts built the resource {sts.resource}, want [{RESOURCE!r}]",
    )
    answer = sts.get_credential()
    creds = answer.get("credentials") or {}
    for field in ("tmpSecretId", "tmpSecretKey", "sessionToken"):
        check(creds.get(field), f"credentials.{field} is empty in {answer}")
    check(
        answer.get("startTime") == answer.get("expiredTime", 0) - DURATION,
        f"startTime {answer.get('startTime')} is not expiredTime - {DURATION}",
    )
    keys = {
        "id": creds["tmpSecretId"],
        "key": creds["tmpSecretKey"],
        "token": creds["sessionToken"],
        "expired": answer["expiredTime"],
    }
    return keys, f"tmpSecretId {creds['tmpSecretId']}, startTime {answer['startTime']}"


def wrong_key_tc3():
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )

    try:
        federation_token_tc3(secret_key=SECRET_KEY + "x")
    except TencentCloudSDKException as e:
        check(
            e.get_code() == "AuthFailure.SignatureFailure",
            f"code {e.get_code()} ({e.get_message()}), want AuthFailure.SignatureFailure",
        )
        return f"{e.get_code()}, RequestId {e.get_request_id()}"
    raise StepFailed("STS issued keys for a request signed with the wrong SecretKey")


def wrong_key_v1():
    # qcloud-python-sts raises Exception("result: {the Response}", cause) on any error.
    try:
        federation_token_v1(secret_key=SECRET_KEY + "x")
    except StepFailed:
        raise
    except Exception as e:
        text = str(e.args[0]) if e.args else str(e)
        check(
            "AuthFailure.SignatureFailure" in text,
            f"{text}: want AuthFailure.SignatureFailure",
        )
        return "AuthFailure.SignatureFailure"
    raise StepFailed("STS issued keys for a request signed with the wrong SecretKey")


# ---- COS with the temporary keys ---------------------------------------------------------


def cos_client(keys, token=True):
    """cos-python-sdk-v5 reaching the emulator by IP and port, as cos-nodejs-sdk-v5's `Ip`:
    the URL goes to 127.0.0.1:PORT and the Host header (which it signs) stays
    `<bucket>.cos.<region>.myqcloud.com`."""
    from qcloud_cos import CosConfig, CosS3Client

    config = CosConfig(
        Region=REGION,
        SecretId=keys["id"],
        SecretKey=keys["key"],
        Token=keys["token"] if token else None,
        Scheme="http",
        IP=COS_ENDPOINT.hostname,
        Port=COS_ENDPOINT.port,
        Timeout=30,
    )
    # No retries: a refusal must show as the emulator gave it.
    return CosS3Client(config, retry=0)


def expect_refusal(what, call, status, code):
    from qcloud_cos.cos_exception import CosServiceError

    try:
        call()
    except CosServiceError as e:
        got = (e.get_status_code(), e.get_error_code())
        check(
            got == (status, code),
            f"{what}: got HTTP {got[0]} {got[1]} ({e.get_error_msg()}), want {status} {code}",
        )
        return f"HTTP {status} {code}"
    raise StepFailed(f"{what} succeeded; it must be refused with {status} {code}")


def put_inside(keys, label):
    client = cos_client(keys)
    body = f"uploaded by cos-python-sdk-v5 with {label} keys\n".encode()
    key = f"{PREFIX}{label}/hello.txt"
    response = client.put_object(Bucket=BUCKET, Key=key, Body=body)
    etag = header(response, "ETag")
    check(etag == f'"{md5_hex(body)}"', f"ETag {etag}, want \"{md5_hex(body)}\"")
    return f"{key}: ETag {etag}"


def put_outside(keys, label):
    client = cos_client(keys)
    key = f"elsewhere/{label}.txt"
    detail = expect_refusal(
        f"put_object {key}",
        lambda: client.put_object(Bucket=BUCKET, Key=key, Body=b"must not be stored"),
        403,
        "AccessDenied",
    )
    return f"{key}: {detail}"


def get_inside(keys, label):
    client = cos_client(keys)
    key = f"{PREFIX}{label}/hello.txt"
    detail = expect_refusal(
        f"get_object {key}",
        lambda: client.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read(),
        403,
        "AccessDenied",
    )
    return f"{key} (GetObject is not in the policy): {detail}"


def multipart_inside(keys, label, work_dir):
    client = cos_client(keys)
    size = 2 * 1024 * 1024 + 12345
    data = os.urandom(size)
    path = os.path.join(work_dir, f"{label}-multipart.bin")
    with open(path, "wb") as f:
        f.write(data)
    key = f"{PREFIX}{label}/multipart.bin"
    response = client.upload_file(
        Bucket=BUCKET, Key=key, LocalFilePath=path, PartSize=1, MAXThread=2, EnableMD5=False
    )
    etag = response.get("ETag", "")
    check(etag.strip('"').endswith("-3"), f"ETag {etag}, want a 3-part multipart ETag")
    # Read it back with the account's own keys: the temporary ones may not GetObject.
    owner = cos_client({"id": SECRET_ID, "key": SECRET_KEY, "token": None}, token=False)
    got = owner.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read()
    check(md5_hex(got) == md5_hex(data), "the stored object differs from the uploaded file")
    return f"{key}: 3 parts, ETag {etag}, content matches"


def put_without_token(keys, label):
    client = cos_client(keys, token=False)
    key = f"{PREFIX}{label}/no-token.txt"
    detail = expect_refusal(
        f"put_object {key} without x-cos-security-token",
        lambda: client.put_object(Bucket=BUCKET, Key=key, Body=b"x"),
        403,
        "InvalidAccessKeyId",
    )
    return f"{key}: {detail}"


def main():
    import qcloud_cos
    from importlib.metadata import version

    work_dir = env("INTEROP_WORK_DIR")
    os.makedirs(work_dir, exist_ok=True)
    print(
        "python {}, tencentcloud-sdk-python-common {}, tencentcloud-sdk-python-sts {}, "
        "qcloud-python-sts {}, cos-python-sdk-v5 {}; STS {}, COS {}, bucket {}".format(
            sys.version.split()[0],
            version("tencentcloud-sdk-python-common"),
            version("tencentcloud-sdk-python-sts"),
            version("qcloud-python-sts"),
            version("cos-python-sdk-v5"),
            STS_ENDPOINT.geturl(),
            COS_ENDPOINT.geturl(),
            BUCKET,
        ),
        flush=True,
    )
    del qcloud_cos
    keys = {}

    def mint(label, fn):
        def run():
            keys[label], detail = fn()
            return detail

        return run

    steps = [
        ("tencentcloud StsClient GetFederationToken (TC3), python/* upload policy",
         mint("tc3", federation_token_tc3)),
        ("qcloud-python-sts get_credential (signature v1), python/* upload policy",
         mint("v1", federation_token_v1)),
        ("tencentcloud StsClient signed with a wrong SecretKey is refused",
         wrong_key_tc3),
        ("qcloud-python-sts signed with a wrong SecretKey is refused", wrong_key_v1),
    ]
    for label in ("tc3", "v1"):
        steps += [
            (f"cos-python-sdk-v5 put_object under {PREFIX} with the {label} keys",
             lambda label=label: put_inside(keys[label], label)),
            (f"cos-python-sdk-v5 put_object outside {PREFIX} with the {label} keys is refused",
             lambda label=label: put_outside(keys[label], label)),
            (f"cos-python-sdk-v5 get_object under {PREFIX} with the {label} keys is refused",
             lambda label=label: get_inside(keys[label], label)),
            (f"cos-python-sdk-v5 upload_file (multipart, 1 MiB parts) under {PREFIX} with the {label} keys",
             lambda label=label: multipart_inside(keys[label], label, work_dir)),
        ]
    steps.append(
        ("cos-python-sdk-v5 put_object with the tc3 key but no token is refused",
         lambda: put_without_token(keys["tc3"], "tc3")),
    )

    passed = 0
    for name, fn in steps:
        started = time.monotonic()
        try:
            detail = fn()
        except Exception as e:  # every failure names its step
            reason = str(e) if isinstance(e, StepFailed) else f"{type(e).__name__}: {e}"
            print(f"FAIL {name}: {reason}", flush=True)
            if not isinstance(e, StepFailed):
                traceback.print_exc(file=sys.stderr)
            print(f"{passed} passed, 1 failed", flush=True)
            return 1
        passed += 1
        elapsed = int((time.monotonic() - started) * 1000)
        print(f"ok   {name} ({elapsed} ms): {detail}", flush=True)
    print(f"{passed} passed, 0 failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
