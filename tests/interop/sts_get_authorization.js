// Tencent's cos-nodejs-sdk-v5 uploading with the keys that cos-sign-server's `/sts` hands out,
// passed through the SDK's `getAuthorization` callback exactly as the direct-upload guide's
// frontends do (cos-js-sdk-v5 and cos-wx-sdk-v5 take the same callback).
//
// Run by `cargo xtask interop`, which starts the emulator with --sts-listen and cos-sign-server
// with --sts --sts-endpoint <the emulator's STS> --endpoint <the emulator's COS>, and passes:
//   INTEROP_ENDPOINT      http://127.0.0.1:PORT   (the emulator's COS)
//   INTEROP_SIGN_SERVER   http://127.0.0.1:PORT   (cos-sign-server)
//   INTEROP_SIGN_TOKEN    the bearer token it was started with
//   INTEROP_SECRET_ID / INTEROP_SECRET_KEY (the account's keys: only to read the result back),
//   INTEROP_BUCKET (name-appid), INTEROP_REGION, INTEROP_WORK_DIR
//
// Every step prints one line; the first failing step is named and the process exits 1.
'use strict';

const crypto = require('crypto');
const http = require('http');
const path = require('path');
const COS = require('cos-nodejs-sdk-v5');

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set (run this through cargo xtask interop)`);
  }
  return value;
}

const endpoint = new URL(env('INTEROP_ENDPOINT'));
const signServer = new URL(env('INTEROP_SIGN_SERVER'));
const signToken = env('INTEROP_SIGN_TOKEN');
const SecretId = env('INTEROP_SECRET_ID');
const SecretKey = env('INTEROP_SECRET_KEY');
const Bucket = env('INTEROP_BUCKET');
const Region = env('INTEROP_REGION');
const workDir = env('INTEROP_WORK_DIR');

function check(condition, what) {
  if (!condition) throw new Error(what);
}

function md5Hex(buffer) {
  return crypto.createHash('md5').update(buffer).digest('hex');
}

// GET <sign server><pathAndQuery>; resolves to { status, json, text }.
function fetchSignServer(pathAndQuery, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: signServer.hostname, port: signServer.port, method: 'GET', path: pathAndQuery, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json = null;
          try {
            json = JSON.parse(text);
          } catch (_) {
            // left null: the caller says what it wanted
          }
          resolve({ status: res.statusCode, json, text });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// The SDK pointed at the emulator as interop.js does: `Ip` replaces the URL's host, and the
// virtual-host `Host` (`<bucket>.cos.<region>.myqcloud.com`) it signs is kept.
function newClient(extra) {
  return new COS(
    Object.assign(
      {
        Protocol: 'http:',
        Ip: endpoint.host,
        AutoSwitchHost: false,
        ChunkRetryTimes: 0,
        ConfCwd: path.join(workDir, 'sdk-conf-sts'),
      },
      extra,
    ),
  );
}

function call(cos, method, params) {
  return new Promise((resolve, reject) => {
    cos[method](Object.assign({ Bucket, Region }, params), (err, data) => {
      if (err) reject(sdkError(method, err));
      else resolve(data);
    });
  });
}

function sdkError(method, err) {
  const parts = [`${method} failed`];
  if (err.statusCode) parts.push(`HTTP ${err.statusCode}`);
  if (err.code) parts.push(`code ${err.code}`);
  if (err.message) parts.push(`message ${JSON.stringify(err.message)}`);
  const body = err.error;
  if (body && typeof body === 'object') {
    for (const field of ['Code', 'Message', 'Resource', 'RequestId']) {
      if (body[field] !== undefined) parts.push(`${field}=${JSON.stringify(body[field])}`);
    }
  }
  const e = new Error(parts.join(', '));
  e.statusCode = err.statusCode;
  e.cosCode = (body && body.Code) || err.code;
  return e;
}

async function expectRefused(what, promise, status, code) {
  try {
    await promise;
  } catch (e) {
    check(e.statusCode === status && e.cosCode === code, `${what}: ${e.message}; want HTTP ${status} ${code}`);
    return `HTTP ${status} ${code}`;
  }
  throw new Error(`${what} succeeded; it must be refused with HTTP ${status} ${code}`);
}

const steps = [];
function step(name, fn) {
  steps.push({ name, fn });
}

const bearer = { Authorization: `Bearer ${signToken}` };
let answer = null;
let authorizationCalls = 0;
// One SDK instance for the whole run: its key cache (_StsCache) keeps the /sts keys, as a page would.
const tmp = newClient({
  getAuthorization: (_options, callback) => {
    authorizationCalls += 1;
    // The answer's fields, unchanged: no renaming, no arithmetic, no clock of our own.
    callback({
      TmpSecretId: answer.TmpSecretId,
      TmpSecretKey: answer.TmpSecretKey,
      SecurityToken: answer.SecurityToken,
      StartTime: answer.StartTime,
      ExpiredTime: answer.ExpiredTime,
    });
  },
});
const body = Buffer.from('uploaded by cos-nodejs-sdk-v5 with keys from cos-sign-server /sts\n');

step('GET /sts without the bearer token is refused', async () => {
  const res = await fetchSignServer('/sts?ext=jpg');
  check(res.status === 401, `HTTP ${res.status} ${res.text}, want 401`);
  return `HTTP 401 ${res.json && res.json.error ? res.json.error.code : res.text}`;
});

step('GET /sts?ext=jpg with the bearer token', async () => {
  const res = await fetchSignServer('/sts?ext=jpg', bearer);
  check(res.status === 200, `HTTP ${res.status} ${res.text}`);
  const a = res.json;
  check(a && typeof a === 'object', `not JSON: ${res.text}`);
  for (const field of ['TmpSecretId', 'TmpSecretKey', 'SecurityToken', 'StartTime', 'ExpiredTime', 'key']) {
    check(a[field], `the answer has no ${field}: ${res.text}`);
  }
  check(/^\d{10}$/.test(String(a.StartTime)) && /^\d{10}$/.test(String(a.ExpiredTime)), `StartTime ${a.StartTime} / ExpiredTime ${a.ExpiredTime} are not 10-digit seconds`);
  check(a.StartTime < a.ExpiredTime, `StartTime ${a.StartTime} is not before ExpiredTime ${a.ExpiredTime}`);
  // the qcloud-cos-sts shape beside the flat one, with the same keys
  const c = a.credentials || {};
  check(
    c.tmpSecretId === a.TmpSecretId && c.tmpSecretKey === a.TmpSecretKey && c.sessionToken === a.SecurityToken,
    'credentials{tmpSecretId,tmpSecretKey,sessionToken} differ from the flat fields',
  );
  check(a.startTime === a.StartTime && a.expiredTime === a.ExpiredTime, 'startTime/expiredTime differ from StartTime/ExpiredTime');
  check(a.expiration && a.requestId, 'no expiration or requestId');
  check(a.bucket === Bucket && a.region === Region, `bucket ${a.bucket}, region ${a.region}; want ${Bucket}, ${Region}`);
  check(a.key.endsWith('.jpg'), `key ${a.key} does not end in .jpg`);
  answer = a;
  return `key ${a.key}, TmpSecretId ${a.TmpSecretId}, StartTime ${a.StartTime}, ExpiredTime ${a.ExpiredTime}`;
});

step("putObject to the answer's key through getAuthorization", async () => {
  const data = await call(tmp, 'putObject', { Key: answer.key, Body: body, ContentType: 'image/jpeg' });
  check(data.statusCode === 200, `status ${data.statusCode}`);
  check(data.ETag === `"${md5Hex(body)}"`, `ETag ${data.ETag}, want "${md5Hex(body)}"`);
  check(authorizationCalls === 1, `getAuthorization called ${authorizationCalls} times, want 1`);
  return `${answer.key}: ETag ${data.ETag}`;
});

step('the object is stored (headObject with the account keys)', async () => {
  const owner = newClient({ SecretId, SecretKey });
  const head = await call(owner, 'headObject', { Key: answer.key });
  check(Number(head.headers['content-length']) === body.length, `content-length ${head.headers['content-length']}`);
  check(head.ETag === `"${md5Hex(body)}"`, `ETag ${head.ETag}`);
  return `content-length ${body.length}, ETag ${head.ETag}`;
});

step('putObject to another key with the same keys is refused', async () => {
  const other = `${answer.key}.other.jpg`;
  const detail = await expectRefused(
    `putObject ${other}`,
    call(tmp, 'putObject', { Key: other, Body: Buffer.from('must not be stored'), ContentType: 'image/jpeg' }),
    403,
    'AccessDenied',
  );
  return `${other}: ${detail}`;
});

step("getObject of the answer's key with the same keys is refused (upload-only policy)", async () => {
  const detail = await expectRefused(`getObject ${answer.key}`, call(tmp, 'getObject', { Key: answer.key }), 403, 'AccessDenied');
  check(authorizationCalls === 1, `getAuthorization called ${authorizationCalls} times, want 1 (the keys are cached)`);
  return `${answer.key}: ${detail}`;
});

async function main() {
  console.log(
    `cos-nodejs-sdk-v5 ${require('cos-nodejs-sdk-v5/package.json').version} with cos-sign-server ${signServer.origin}/sts against ${endpoint.origin}, bucket ${Bucket}, region ${Region}`,
  );
  let passed = 0;
  for (const { name, fn } of steps) {
    const started = Date.now();
    try {
      const detail = await fn();
      passed += 1;
      console.log(`ok   ${name} (${Date.now() - started} ms): ${detail}`);
    } catch (e) {
      console.log(`FAIL ${name}: ${e.message}`);
      console.log(`${passed} passed, 1 failed`);
      process.exit(1);
    }
  }
  console.log(`${passed} passed, 0 failed`);
  process.exit(0);
}

main().catch((e) => {
  console.log(`FAIL setup: ${e.message}`);
  process.exit(1);
});
