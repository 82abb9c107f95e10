// Uploads a file with tus-js-client, the tus client the web app uses.
//
//   node tus-upload.cjs <endpoint> <file> <token> <metadata-json> [stop-fraction] [resume-url]
//
// With a stop fraction below 1 the upload is aborted once that share of
// the bytes is sent, as a dropped connection would; with a resume URL it
// continues an earlier upload. Prints one JSON line: {url, offset, video_id, done}.
const fs = require('node:fs');
const tus = require('tus-js-client');

const [endpoint, file, token, metaJSON, stopArg, resumeURL] = process.argv.slice(2);
const data = fs.readFileSync(file);
const stopAt = stopArg ? Number(stopArg) : 1;
let videoID = '';

const upload = new tus.Upload(data, {
  endpoint,
  uploadUrl: resumeURL || null,
  chunkSize: 64 * 1024,
  retryDelays: [],
  metadata: JSON.parse(metaJSON),
  headers: { Authorization: `Bearer ${token}` },
  removeFingerprintOnSuccess: true,
  onAfterResponse(req, res) {
    const id = res.getHeader('Kurz-Video-Id');
    if (id) videoID = id;
  },
  onProgress(sent, total) {
    if (stopAt < 1 && sent >= total * stopAt) {
      upload.abort(false).then(() => {
        console.log(JSON.stringify({ url: upload.url, offset: sent, video_id: videoID, done: false }));
        process.exit(0);
      });
    }
  },
  onSuccess() {
    console.log(JSON.stringify({ url: upload.url, offset: data.length, video_id: videoID, done: true }));
  },
  onError(err) {
    const res = err.originalResponse;
    console.log(JSON.stringify({ error: String(err.message).split('\n')[0], status: res ? res.getStatus() : 0, body: res ? res.getBody() : '' }));
    process.exit(0);
  },
});
upload.start();
