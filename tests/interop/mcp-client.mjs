// A TypeScript-SDK MCP client for Warden's interop tests (tests/Warden.Tests/Interop). It connects to
// one server, runs one scenario and prints one JSON object on stdout; anything else goes to stderr.
//
//   node mcp-client.mjs '<plan as JSON>'
//
// plan: { "scenario": "list-call" | "roots" | "catalog" | "progress" | "sampling" | "cancel",
//         "url": "http://127.0.0.1:PORT/mcp/everything"       (Streamable HTTP), or
//         "command": "/path/node", "args": [...], "cwd": "..." (stdio),
//         "calls": [{ "name": "echo", "arguments": {...} }],   (list-call, roots)
//         "reads": ["demo://..."],                              (catalog: resources/read each)
//         "prompts": [{ "name": ..., "arguments": {...} }],     (catalog: prompts/get each)
//         "completions": [{ "ref": {...}, "argument": {...}, "context": {...} }], (catalog: completion/complete each)
//         "call": { "name": ..., "arguments": {...} },          (progress, sampling)
//         "reply": "text the sampling handler answers",        (sampling)
//         "roots": [{ "uri": "file:///...", "name": "..." }] }  (any scenario: declare roots and answer roots/list)
//
// The SDK is loaded from tests/tools/node_modules (pinned by tests/tools/package.json), which is not an
// ancestor of this file, so bare imports would not resolve; the paths are spelled out instead.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout as delay } from "node:timers/promises";

const sdkRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "tools", "node_modules", "@modelcontextprotocol", "sdk", "dist", "esm");
if (!existsSync(sdkRoot)) {
  fail(`The TypeScript MCP SDK is not installed at ${sdkRoot}; run scripts/test.sh (it runs npm ci in tests/tools).`);
}

const sdk = (file) => import(pathToFileURL(path.join(sdkRoot, file)).href);
const { Client } = await sdk("client/index.js");
const { StdioClientTransport, getDefaultEnvironment } = await sdk("client/stdio.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { CreateMessageRequestSchema, ListRootsRequestSchema } = await sdk("types.js");

const plan = JSON.parse(process.argv[2] ?? fail("usage: node mcp-client.mjs '<plan as JSON>'"));
const scenarios = { "list-call": listCall, roots, catalog, progress, sampling, cancel };
const run = scenarios[plan.scenario] ?? fail(`unknown scenario '${plan.scenario}'; one of: ${Object.keys(scenarios).join(", ")}`);

const capabilities = {};
if (plan.scenario === "sampling") {
  capabilities.sampling = {};
}

if (plan.roots) {
  capabilities.roots = { listChanged: true };
}

const client = new Client({ name: "warden-interop-ts", version: "1.0.0" }, { capabilities });
const rootsRequests = [];
if (plan.roots) {
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    rootsRequests.push(Date.now());
    return { roots: plan.roots };
  });
}

const transport = plan.url
  ? new StreamableHTTPClientTransport(new URL(plan.url))
  : new StdioClientTransport({ command: plan.command, args: plan.args ?? [], cwd: plan.cwd, env: getDefaultEnvironment(), stderr: "inherit" });

try {
  await client.connect(transport);
  const output = await run();
  const json = JSON.stringify({ serverInfo: client.getServerVersion(), rootsRequests: rootsRequests.length, ...output });
  // Writes to a pipe may be asynchronous (Windows); exit only once the line is out.
  await new Promise((resolve) => process.stdout.write(json + "\n", resolve));
} catch (error) {
  fail(error instanceof Error ? error.stack ?? error.message : String(error));
} finally {
  // Ends the session (DELETE on HTTP, which also ends calls still open upstream; stdin closed on stdio).
  // A failure to end it is not the test's subject.
  if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
    await transport.terminateSession().catch((error) => console.error(`DELETE failed: ${error}`));
  }

  await client.close().catch((error) => console.error(`close failed: ${error}`));
}

process.exit(0);

async function listCall() {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);

  const calls = [];
  for (const call of plan.calls ?? []) {
    calls.push(await settle(client.callTool({ name: call.name, arguments: call.arguments ?? {} })));
  }

  return { tools, calls };
}

// Everything but tools: resources, templates and prompts listed (all pages), then reads, prompt gets and completions.
async function catalog() {
  const resources = await all((cursor) => client.listResources(cursor), "resources");
  const resourceTemplates = await all((cursor) => client.listResourceTemplates(cursor), "resourceTemplates");
  const prompts = await all((cursor) => client.listPrompts(cursor), "prompts");
  const reads = [];
  for (const uri of plan.reads ?? []) {
    reads.push(await settle(client.readResource({ uri })));
  }

  const promptGets = [];
  for (const prompt of plan.prompts ?? []) {
    promptGets.push(await settle(client.getPrompt({ name: prompt.name, arguments: prompt.arguments ?? {} })));
  }

  const completions = [];
  for (const completion of plan.completions ?? []) {
    completions.push(await settle(client.complete(completion)));
  }

  return { resources, resourceTemplates, prompts, reads, promptGets, completions };
}

async function all(list, field) {
  const items = [];
  let cursor;
  do {
    const page = await list(cursor ? { cursor } : undefined);
    items.push(...page[field]);
    cursor = page.nextCursor;
  } while (cursor);

  return items;
}

// Waits (up to 3 s) for the server to ask for the roots the plan declares, then lists and calls like list-call.
async function roots() {
  for (let waited = 0; rootsRequests.length === 0 && waited < 3000; waited += 20) {
    await delay(20);
  }

  return listCall();
}

async function progress() {
  const updates = [];
  const result = await client.callTool(
    { name: plan.call.name, arguments: plan.call.arguments ?? {} },
    undefined,
    { onprogress: (update) => updates.push(update), timeout: 30_000 },
  );
  return { progress: updates, result };
}

async function sampling() {
  const requests = [];
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    requests.push(request.params);
    return { model: "warden-interop-model", role: "assistant", stopReason: "endTurn", content: { type: "text", text: plan.reply } };
  });
  const result = await client.callTool({ name: plan.call.name, arguments: plan.call.arguments ?? {} });
  return { samplingRequests: requests, result };
}

// Calls `hang` (tests/Warden.TestServer), aborts it through the SDK's AbortSignal support (which sends
// notifications/cancelled) and asks the upstream through `last_cancelled` whether it saw the cancellation.
// The request and the cancellation travel on separate POSTs, so a cancellation that overtakes its request
// is (legitimately) dropped; each retry therefore aborts a fresh call a little later. The first attempt
// almost always suffices.
async function cancel() {
  const before = await lastCancelled();
  for (let attempt = 1; attempt <= 5; attempt++) {
    // hang reports progress once it runs; aborting after that means the cancellation can reach a running tool.
    const abort = new AbortController();
    let running;
    const started = new Promise((resolve) => { running = resolve; });
    const call = client.callTool({ name: "hang", arguments: {} }, undefined, { signal: abort.signal, timeout: 60_000, onprogress: () => running() })
      .then(() => ({ outcome: "answered" }), (error) => ({ outcome: "rejected", message: String(error?.message ?? error) }));
    await Promise.race([started, delay(10_000)]);
    abort.abort("warden interop test cancels hang");
    const local = await call;
    for (let poll = 0; poll < 40; poll++) {
      const seen = await lastCancelled();
      if (seen && seen.tool === "hang" && seen.at !== before?.at) {
        return { attempts: attempt, local, lastCancelled: seen };
      }

      await delay(50);
    }
  }

  return { attempts: 5, local: null, lastCancelled: await lastCancelled() };
}

async function lastCancelled() {
  const result = await client.callTool({ name: "last_cancelled", arguments: {} });
  return JSON.parse(result.content[0].text);
}

// A tool error or JSON-RPC error is part of what the two paths must agree on, so it is data, not a failure.
async function settle(promise) {
  try {
    return { result: await promise };
  } catch (error) {
    return { error: { code: error?.code ?? null, message: String(error?.message ?? error) } };
  }
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
