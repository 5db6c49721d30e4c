// Drives ModelApi's training routes with the official OpenAI Node SDK, as an application would:
// files.create, fineTuning.jobs.create, .retrieve, .listEvents, .cancel. Prints one JSON summary line.
// Env: BASE_URL (http://127.0.0.1:PORT/v1), API_KEY, TEXT_PATH.
import fs from 'node:fs';
import OpenAI, { toFile } from 'openai';

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });
const sleep = ms => new Promise(r => setTimeout(r, ms));

const file = await client.files.create({ file: await toFile(fs.readFileSync(process.env.TEXT_PATH), 'bible.txt'), purpose: 'fine-tune' });
// minutes is this project's own field; the SDK sends extra body fields as they are.
const job = await client.fineTuning.jobs.create({ training_file: file.id, model: 'custom-gpt-tiny', suffix: 'node-sdk', seed: 3, minutes: 0.5 });

let metrics = [];
const deadline = Date.now() + 240_000;
while (metrics.length < 2 && Date.now() < deadline) {
  await sleep(300);
  const page = await client.fineTuning.jobs.listEvents(job.id, { limit: 100 });
  metrics = page.data.filter(e => e.type === 'metrics' && e.data.step > 0);
}
const running = await client.fineTuning.jobs.retrieve(job.id);
const cancelled = await client.fineTuning.jobs.cancel(job.id);
let badRequest = null;
try {
  await client.fineTuning.jobs.create({ training_file: file.id, model: 'custom-gpt-huge' });
} catch (e) {
  badRequest = { status: e.status, name: e.constructor.name };
}
console.log(JSON.stringify({
  file: { id: file.id, purpose: file.purpose, bytes: file.bytes, filename: file.filename },
  job: { id: job.id, status: job.status, model: job.model },
  running: { status: running.status, trained_tokens: running.trained_tokens },
  cancelled: { status: cancelled.status },
  metrics: metrics.map(e => ({ step: e.data.step, train_loss: e.data.train_loss })),
  badRequest,
}));
