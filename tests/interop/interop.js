// Drives Tencent's own Node.js SDK (cos-nodejs-sdk-v5) against the cos-rs emulator.
//
// Run by `cargo xtask interop`, which installs the pinned SDK next to a copy of this script,
// starts the emulator on a loopback port and passes its coordinates in the environment:
//   INTEROP_ENDPOINT   http://127.0.0.1:PORT
//   INTEROP_SECRET_ID / INTEROP_SECRET_KEY, INTEROP_BUCKET (name-appid), INTEROP_REGION
//   INTEROP_WORK_DIR   a scratch directory for the files it uploads
//
// Every step prints one line; the first failing step is named and the process exits 1.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const COS = require('cos-nodejs-sdk-v5');

const MiB = 1024 * 1024;

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set (run this through cargo xtask interop)`);
  }
  return value;
}

const endpoint = new URL(env('INTEROP_ENDPOINT'));
const SecretId = env('INTEROP_SECRET_ID');
const SecretKey = env('INTEROP_SECRET_KEY');
const Bucket = env('INTEROP_BUCKET');
const Region = env('INTEROP_REGION');
const workDir = env('INTEROP_WORK_DIR');

// One SDK instance per test so that its UploadId cache (ConfCwd) and event counters stay apart.
function newClient(extra) {
  return new COS(
    Object.assign(
      {
        SecretId,
        SecretKey,
        Protocol: 'http:',
        // The SDK replaces the URL's host with `Ip` and keeps `<bucket>.cos.<region>.myqcloud.com`
        // as the Host header, which is what it signs (see sdk/base.js `options.Ip`).
        Ip: endpoint.host,
        ChunkParallelLimit: 4,
        ChunkSize: MiB,
        ChunkRetryTimes: 0,
        ProgressInterval: 1,
        // Retrying on another host would hide a rejection by the emulator.
        AutoSwitchHost: false,
        ConfCwd: path.join(workDir, 'sdk-conf'),
      },
      extra || {},
    ),
  );
}

// Calls an SDK method with a node-style callback and returns a promise of its data.
function call(cos, method, params) {
  return new Promise((resolve, reject) => {
    cos[method](Object.assign({ Bucket, Region }, params), (err, data) => {
      if (err) reject(sdkError(method, err));
      else resolve(data);
    });
  });
}

// Turns the SDK's error object into an Error that says what COS (the emulator) answered.
function sdkError(method, err) {
  const parts = [`${method} failed`];
  if (err.statusCode) parts.push(`HTTP ${err.statusCode}`);
  if (err.code) parts.push(`code ${err.code}`);
  if (err.message) parts.push(`message ${JSON.stringify(err.message)}`);
  const body = err.error;
  if (body && typeof body === 'object') {
    for (const field of ['Code', 'Message', 'Resource', 'RequestId', 'StringToSign', 'FormatString']) {
      if (body[field] !== undefined) parts.push(`${field}=${JSON.stringify(body[field])}`);
    }
  }
  const e = new Error(parts.join(', '));
  e.statusCode = err.statusCode;
  e.cosCode = (body && body.Code) || err.code;
  return e;
}

function check(condition, what) {
  if (!condition) throw new Error(what);
}

function md5Hex(buffer) {
  return crypto.createHash('md5').update(buffer).digest('hex');
}

// CRC-64/XZ (x-cos-hash-crc64ecma), for the small bodies only: BigInt is slow.
const CRC64_TABLE = (() => {
  const poly = 0xc96c5795d7870f42n;
  const table = [];
  for (let i = 0n; i < 256n; i++) {
    let crc = i;
    for (let j = 0; j < 8; j++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    table.push(crc);
  }
  return table;
})();

function crc64(buffer) {
  let crc = 0xffffffffffffffffn;
  for (const byte of buffer) crc = CRC64_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] ^ (crc >> 8n);
  return (crc ^ 0xffffffffffffffffn).toString();
}

function writeRandomFile(name, size) {
  const file = path.join(workDir, name);
  const data = crypto.randomBytes(size);
  fs.writeFileSync(file, data);
  return { file, data };
}

// Counts the UploadPart requests an SDK instance sends (PUT with partNumber and uploadId).
function countUploadParts(cos) {
  const counter = { parts: [], onPart: null };
  cos.on('before-send', (opt) => {
    const query = Object.assign({}, opt.qs || {});
    const url = new URL(opt.url);
    for (const [k, v] of url.searchParams) query[k] = v;
    if (opt.method === 'PUT' && query.partNumber !== undefined && query.uploadId !== undefined) {
      counter.parts.push(Number(query.partNumber));
      if (counter.onPart) counter.onPart(counter.parts.length);
    }
  });
  return counter;
}

function sliceUpload(cos, params) {
  return new Promise((resolve, reject) => {
    let taskId = null;
    const settle = { resolve, reject };
    cos.sliceUploadFile(
      Object.assign({ Bucket, Region }, params, {
        onTaskReady: (id) => {
          taskId = id;
          if (params.onTaskReady) params.onTaskReady(id);
        },
      }),
      (err, data) => {
        if (err) settle.reject(sdkError('sliceUploadFile', err));
        else settle.resolve(Object.assign({ taskId }, data));
      },
    );
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const smallKey = 'interop/hello world+%ü/日本.txt';
const smallBody = Buffer.from('hello from cos-nodejs-sdk-v5 through the cos-rs emulator\n');

const steps = [];
function step(name, fn) {
  steps.push({ name, fn });
}

const cos = newClient();

step('putObject (key with space, +, %, unicode and /)', async () => {
  const data = await call(cos, 'putObject', { Key: smallKey, Body: smallBody, ContentType: 'text/plain' });
  check(data.statusCode === 200, `status ${data.statusCode}, want 200`);
  check(data.ETag === `"${md5Hex(smallBody)}"`, `ETag ${data.ETag}, want "${md5Hex(smallBody)}"`);
  const requestId = data.headers['x-cos-request-id'];
  check(requestId, 'no x-cos-request-id on the response');
  const crc = data.headers['x-cos-hash-crc64ecma'];
  check(crc === crc64(smallBody), `x-cos-hash-crc64ecma ${crc}, want ${crc64(smallBody)}`);
  return `ETag ${data.ETag}, crc64 ${crc}`;
});

step('putObject with UploadCheckContentMd5 (Content-MD5 sent)', async () => {
  const md5cos = newClient({ UploadCheckContentMd5: true });
  const body = Buffer.from('checked by Content-MD5');
  const data = await call(md5cos, 'putObject', { Key: 'interop/md5-checked.txt', Body: body });
  check(data.ETag === `"${md5Hex(body)}"`, `ETag ${data.ETag}`);
  return `ETag ${data.ETag}`;
});

step('putObject outside the listed prefix', async () => {
  const data = await call(cos, 'putObject', { Key: 'elsewhere/not-listed.txt', Body: Buffer.from('x') });
  check(data.statusCode === 200, `status ${data.statusCode}`);
  return 'elsewhere/not-listed.txt stored';
});

step('headObject', async () => {
  const data = await call(cos, 'headObject', { Key: smallKey });
  check(data.statusCode === 200, `status ${data.statusCode}`);
  check(Number(data.headers['content-length']) === smallBody.length, `content-length ${data.headers['content-length']}`);
  check(data.ETag === `"${md5Hex(smallBody)}"`, `ETag ${data.ETag}`);
  check(data.headers['content-type'] === 'text/plain', `content-type ${data.headers['content-type']}`);
  return `content-length ${data.headers['content-length']}, content-type ${data.headers['content-type']}`;
});

step('getObject', async () => {
  const data = await call(cos, 'getObject', { Key: smallKey });
  check(data.statusCode === 200, `status ${data.statusCode}`);
  check(Buffer.compare(data.Body, smallBody) === 0, `body ${JSON.stringify(String(data.Body))} differs`);
  return `${data.Body.length} bytes match`;
});

step('getObject with Range bytes=6-9', async () => {
  const data = await call(cos, 'getObject', { Key: smallKey, Range: 'bytes=6-9' });
  check(data.statusCode === 206, `status ${data.statusCode}, want 206`);
  const want = smallBody.subarray(6, 10);
  check(Buffer.compare(data.Body, want) === 0, `body ${JSON.stringify(String(data.Body))}, want ${JSON.stringify(String(want))}`);
  const range = data.headers['content-range'];
  check(range === `bytes 6-9/${smallBody.length}`, `content-range ${range}`);
  return `206, content-range ${range}`;
});

step('getBucket with Prefix interop/', async () => {
  const data = await call(cos, 'getBucket', { Prefix: 'interop/' });
  check(data.statusCode === 200, `status ${data.statusCode}`);
  const keys = data.Contents.map((c) => c.Key).sort();
  const want = ['interop/hello world+%ü/日本.txt', 'interop/md5-checked.txt'].sort();
  check(JSON.stringify(keys) === JSON.stringify(want), `keys ${JSON.stringify(keys)}, want ${JSON.stringify(want)}`);
  check(data.Prefix === 'interop/', `Prefix ${data.Prefix}`);
  return `keys ${JSON.stringify(keys)}`;
});

step('getBucket with Prefix and Delimiter', async () => {
  const data = await call(cos, 'getBucket', { Prefix: 'interop/', Delimiter: '/' });
  const prefixes = data.CommonPrefixes.map((p) => p.Prefix);
  const keys = data.Contents.map((c) => c.Key);
  check(JSON.stringify(prefixes) === JSON.stringify(['interop/hello world+%ü/']), `CommonPrefixes ${JSON.stringify(prefixes)}`);
  check(JSON.stringify(keys) === JSON.stringify(['interop/md5-checked.txt']), `Contents ${JSON.stringify(keys)}`);
  return `CommonPrefixes ${JSON.stringify(prefixes)}`;
});

step('deleteObject', async () => {
  const data = await call(cos, 'deleteObject', { Key: smallKey });
  check(data.statusCode === 204, `status ${data.statusCode}, want 204`);
  let gone = false;
  try {
    await call(cos, 'headObject', { Key: smallKey });
  } catch (e) {
    gone = e.statusCode === 404;
    if (!gone) throw e;
  }
  check(gone, 'headObject after deleteObject still finds the object');
  return '204, then headObject 404';
});

step('sliceUploadFile 12 MiB, 1 MiB parts, 4 in parallel', async () => {
  const sdk = newClient();
  const counter = countUploadParts(sdk);
  const { file, data } = writeRandomFile('slice-12mib.bin', 12 * MiB);
  const key = 'interop/multipart/12mib.bin';
  let lastProgress = null;
  const result = await sliceUpload(sdk, {
    Key: key,
    FilePath: file,
    ChunkSize: MiB,
    AsyncLimit: 4,
    onProgress: (p) => {
      lastProgress = p;
    },
  });
  check(result.statusCode === 200, `Complete status ${result.statusCode}`);
  check(counter.parts.length === 12, `${counter.parts.length} UploadPart requests, want 12`);
  const sorted = counter.parts.slice().sort((a, b) => a - b);
  check(JSON.stringify(sorted) === JSON.stringify([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), `parts ${JSON.stringify(sorted)}`);
  check(/^"[0-9a-f]{32}-12"$/.test(result.ETag), `ETag ${result.ETag}, want "<md5>-12"`);
  check(lastProgress && lastProgress.loaded === 12 * MiB, `last progress ${JSON.stringify(lastProgress)}`);
  const head = await call(sdk, 'headObject', { Key: key });
  check(Number(head.headers['content-length']) === 12 * MiB, `content-length ${head.headers['content-length']}`);
  check(head.ETag === result.ETag, `HEAD ETag ${head.ETag}, Complete ETag ${result.ETag}`);
  const got = await call(sdk, 'getObject', { Key: key });
  check(md5Hex(got.Body) === md5Hex(data), 'downloaded content differs from the uploaded file');
  return `12 parts, ETag ${result.ETag}, content matches`;
});

step('sliceUploadFile resumed after cancelTask', async () => {
  const { file, data } = writeRandomFile('slice-resume.bin', 12 * MiB);
  const key = 'interop/multipart/resumed.bin';

  // First run: cancel as soon as the 7th part starts; with 4 in flight at least 3 are done.
  const first = newClient();
  const firstCounter = countUploadParts(first);
  let firstTask = null;
  let cancelled = false;
  firstCounter.onPart = (n) => {
    if (n === 7 && firstTask && !cancelled) {
      cancelled = true;
      setImmediate(() => first.cancelTask(firstTask));
    }
  };
  const firstRun = sliceUpload(first, {
    Key: key,
    FilePath: file,
    ChunkSize: MiB,
    AsyncLimit: 4,
    onTaskReady: (id) => {
      firstTask = id;
    },
  });
  // A cancelled task never calls back; wait for the cancel and for in-flight requests to end.
  const outcome = await Promise.race([
    firstRun.then(() => 'completed', (e) => e),
    (async () => {
      while (!cancelled) await sleep(5);
      await sleep(300);
      return 'cancelled';
    })(),
  ]);
  check(outcome === 'cancelled', `first run was not cancelled mid-way: ${outcome}`);

  const uploads = await call(cos, 'multipartList', { Prefix: key });
  const pending = (uploads.Upload || []).filter((u) => u.Key === key);
  check(pending.length === 1, `${pending.length} pending uploads for the key after cancel, want 1`);
  const uploadId = pending[0].UploadId;
  const parts = await call(cos, 'multipartListPart', { Key: key, UploadId: uploadId });
  const stored = (parts.Part || []).length;
  check(stored >= 3 && stored < 12, `${stored} parts stored after cancel, want 3..11`);

  // Second run: a fresh SDK instance (as after a restart) finds the upload and sends the rest.
  const second = newClient();
  const secondCounter = countUploadParts(second);
  let firstProgress = null;
  const result = await sliceUpload(second, {
    Key: key,
    FilePath: file,
    ChunkSize: MiB,
    AsyncLimit: 4,
    onProgress: (p) => {
      if (firstProgress === null && p.loaded > 0) firstProgress = p.loaded;
    },
  });
  check(result.UploadId === uploadId, `resumed with UploadId ${result.UploadId}, want ${uploadId}`);
  check(
    secondCounter.parts.length === 12 - stored,
    `second run sent ${secondCounter.parts.length} UploadPart requests, want ${12 - stored}`,
  );
  check(firstProgress >= stored * MiB, `first progress ${firstProgress}, want >= ${stored * MiB}`);
  const got = await call(cos, 'getObject', { Key: key });
  check(got.Body.length === data.length && md5Hex(got.Body) === md5Hex(data), 'resumed object content differs');
  const left = await call(cos, 'multipartList', { Prefix: key });
  check(!(left.Upload || []).some((u) => u.Key === key), 'the upload is still listed after Complete');
  return `${stored} parts kept, ${secondCounter.parts.length} sent on resume, content matches`;
});

step('putObject with temporary keys (getAuthorization + x-cos-security-token)', async () => {
  const fetchSts = () =>
    new Promise((resolve, reject) => {
      const http = require('http');
      const req = http.request(
        { host: endpoint.hostname, port: endpoint.port, method: 'POST', path: '/-/sts?duration=900' },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) reject(new Error(`POST /-/sts: HTTP ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text));
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  const sts = await fetchSts();
  const tmp = new COS({
    Protocol: 'http:',
    Ip: endpoint.host,
    AutoSwitchHost: false,
    ConfCwd: path.join(workDir, 'sdk-conf'),
    getAuthorization: (_options, callback) => {
      callback({
        TmpSecretId: sts.credentials.tmpSecretId,
        TmpSecretKey: sts.credentials.tmpSecretKey,
        SecurityToken: sts.credentials.sessionToken,
        StartTime: sts.startTime,
        ExpiredTime: sts.expiredTime,
      });
    },
  });
  const body = Buffer.from('uploaded with a temporary key');
  const data = await call(tmp, 'putObject', { Key: 'interop/sts.txt', Body: body });
  check(data.ETag === `"${md5Hex(body)}"`, `ETag ${data.ETag}`);
  const got = await call(tmp, 'getObject', { Key: 'interop/sts.txt' });
  check(Buffer.compare(got.Body, body) === 0, 'content differs');
  return `ETag ${data.ETag}`;
});

async function main() {
  fs.mkdirSync(workDir, { recursive: true });
  console.log(`cos-nodejs-sdk-v5 ${require('cos-nodejs-sdk-v5/package.json').version} against ${endpoint.origin}, bucket ${Bucket}, region ${Region}`);
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
