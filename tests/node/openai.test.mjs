// Hearth as the official `openai` npm client sees it: the real `hearth serve` on a generated
// model, the client a user would write. Run by scripts/node_tests.sh (node --test).
//
// HEARTH_BIN: the hearth binary (default build/release/bin/hearth).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hearthBin = process.env.HEARTH_BIN ?? join(root, 'build', 'release', 'bin', 'hearth');
let dir;
let server;
let client;
let log = '';
const adminKey = 'hk-node-test-admin-key-0123456789';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-node-'));
  mkdirSync(join(dir, 'models'));
  execFileSync('/usr/bin/python3', [join(root, 'tools', 'gen_model.py'), join(dir, 'models', 'tiny.gguf'),
    '--arch', 'llama', '--ctx', '512', '--n-layer', '2']);
  // Keys are optional on loopback, but a key that is sent must be valid: the client sends the
  // bootstrap admin key the server is started with.
  server = spawn(hearthBin, ['serve', '--port', '0', '--models', join(dir, 'models'), '--builtin-model', '',
    '--ctx', '256', '-t', '1', '--data-dir', join(dir, 'data')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEARTH_ADMIN_KEY: adminKey } });
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`hearth serve did not start:\n${log}`)), 60000);
    const onData = (data) => {
      log += data.toString();
      const match = log.match(/listening on http:\/\/[0-9.]+:(\d+)/);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`hearth serve exited with ${code}:\n${log}`)));
  });
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: adminKey, maxRetries: 0 });
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server.on('exit', (code) => done(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, `hearth serve did not exit cleanly:\n${log}`);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('chat completion (non-stream)', async () => {
  const completion = await client.chat.completions.create({
    model: 'tiny',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me a story' }],
    max_tokens: 8,
    temperature: 0,
    seed: 1,
  });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'tiny');
  assert.equal(completion.choices.length, 1);
  assert.equal(completion.choices[0].message.role, 'assistant');
  assert.equal(typeof completion.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(completion.choices[0].finish_reason));
  assert.ok(completion.usage.completion_tokens <= 8);
  assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
});

test('chat completion (stream) matches the non-streamed text', async () => {
  const request = {
    model: 'tiny', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 12, temperature: 0,
  };
  const whole = await client.chat.completions.create(request);
  const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, whole.choices[0].finish_reason);
  assert.equal(usage.completion_tokens, whole.usage.completion_tokens);
});

test('text completion with n choices and logprobs', async () => {
  const completion = await client.completions.create({
    model: 'tiny', prompt: 'The', max_tokens: 5, n: 2, logprobs: 2, temperature: 0.8, seed: 4,
  });
  assert.equal(completion.object, 'text_completion');
  assert.equal(completion.choices.length, 2);
  for (const choice of completion.choices) {
    assert.equal(choice.logprobs.tokens.length, choice.logprobs.token_logprobs.length);
    for (const logprob of choice.logprobs.token_logprobs) assert.ok(logprob <= 0);
  }
});

test('errors arrive as the client\'s typed errors', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.NotFoundError && error.status === 404 && error.code === 'model_not_found',
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], temperature: 5 }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'temperature',
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'tiny', messages: [] }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'messages' && /at least one/.test(error.message),
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: -3 }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'max_tokens',
  );
});

test('embeddings (the client asks for base64 and decodes it)', async () => {
  const result = await client.embeddings.create({ model: 'tiny', input: ['hello world', 'goodbye'] });
  assert.equal(result.object, 'list');
  assert.equal(result.data.length, 2);
  const vector = result.data[0].embedding;
  assert.ok(vector.length > 0);
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
  const floats = await client.embeddings.create({ model: 'tiny', input: 'hello world', encoding_format: 'float' });
  floats.data[0].embedding.forEach((value, idx) => assert.ok(Math.abs(value - vector[idx]) < 1e-6));
  const shorter = await client.embeddings.create({ model: 'tiny', input: 'hello world', dimensions: 8 });
  assert.equal(shorter.data[0].embedding.length, 8);
});

test('models', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['tiny', 'espeak', 'pocketsphinx-en-us']);  // the built-in speech models too
  const model = await client.models.retrieve('tiny');
  assert.equal(model.id, 'tiny');
  assert.equal(model.object, 'model');
});
