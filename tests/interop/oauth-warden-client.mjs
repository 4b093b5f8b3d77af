// The TypeScript MCP SDK's OAuth client (auth() and an OAuthClientProvider) against Warden as authorization server,
// headless: discovery, dynamic registration, authorize (the "browser" is plain fetch: it follows the redirect to the
// login page, posts the user name and password, then the consent form), code exchange, a tools/call through Warden,
// a refresh, and a replay of the used refresh token. Prints one JSON object on stdout; anything else goes to stderr.
//
//   node oauth-warden-client.mjs '<plan as JSON>'
//
// plan: { "url": "http://127.0.0.1:PORT/mcp/test", "username": "alice", "password": "...",
//         "call": { "name": "...", "arguments": {...} },
//         "idp": "corp" }      optional: instead of Warden's password form, click the button of the upstream IdP
//                              "corp" on Warden's login page and sign in there (tests/idp/idp.mjs's login form, with
//                              username and password), coming back through Warden's callback to its consent page
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const sdkRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "tools", "node_modules", "@modelcontextprotocol", "sdk", "dist", "esm");
if (!existsSync(sdkRoot)) {
  fail(`The TypeScript MCP SDK is not installed at ${sdkRoot}; run scripts/test.sh (it runs npm ci in tests/tools).`);
}

const sdk = (file) => import(pathToFileURL(path.join(sdkRoot, file)).href);
const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { auth, UnauthorizedError } = await sdk("client/auth.js");

const plan = JSON.parse(process.argv[2] ?? fail("usage: node oauth-warden-client.mjs '<plan as JSON>'"));
const redirectUrl = "http://127.0.0.1:53682/callback";

// What a desktop MCP client keeps between runs, here in memory.
class Provider {
  constructor() {
    this.store = {};
    this.authorizationUrl = undefined;
  }
  get redirectUrl() { return redirectUrl; }
  get clientMetadata() {
    return {
      client_name: "warden-interop-ts",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() { return "st-" + Math.random().toString(36).slice(2); }
  clientInformation() { return this.store.client; }
  saveClientInformation(info) { this.store.client = info; }
  tokens() { return this.store.tokens; }
  saveTokens(tokens) { this.store.tokens = tokens; }
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  saveCodeVerifier(verifier) { this.store.verifier = verifier; }
  codeVerifier() { return this.store.verifier; }
  saveDiscoveryState(state) { this.store.discovery = state; }
  discoveryState() { return this.store.discovery; }
}

const provider = new Provider();
const output = {};
try {
  // 1. Unauthenticated connect: Warden answers 401 with resource_metadata; the SDK discovers, registers and asks for a redirect.
  const first = new StreamableHTTPClientTransport(new URL(plan.url), { authProvider: provider });
  const probe = new Client({ name: "warden-interop-ts", version: "1.0.0" });
  try {
    await probe.connect(first);
    fail("connecting without a token succeeded; Warden should have answered 401");
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) {
      throw error;
    }
  }

  output.clientId = provider.store.client?.client_id;
  output.authorizationServer = provider.store.discovery?.authorizationServerUrl;
  output.codeChallengeMethod = provider.authorizationUrl?.searchParams.get("code_challenge_method");
  output.resource = provider.authorizationUrl?.searchParams.get("resource");

  // 2. The browser: login page, credentials, consent, and the redirect back with the code.
  const browser = await signInAndConsent(provider.authorizationUrl, plan.username, plan.password, plan.idp);
  output.browser = browser.steps;
  await first.finishAuth(browser.code);
  const issued = provider.tokens();
  output.tokenType = issued.token_type;
  output.scope = issued.scope;
  output.expiresIn = issued.expires_in;
  output.hasRefreshToken = typeof issued.refresh_token === "string";

  // 3. A call through Warden with the token.
  output.call = await callTool(plan.call);

  // 4. Refresh: the SDK posts the refresh token and stores the new pair.
  const used = issued.refresh_token;
  output.refresh = await auth(provider, { serverUrl: new URL(plan.url) });
  output.refreshTokenRotated = provider.tokens().refresh_token !== used && typeof provider.tokens().refresh_token === "string";
  output.callAfterRefresh = await callTool(plan.call);

  // 5. A replay of the used refresh token is refused, and it revokes the family: the fresh access token stops working.
  const metadata = provider.store.discovery.authorizationServerMetadata;
  const replay = await fetch(metadata.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: used, client_id: output.clientId }),
  });
  output.replay = { status: replay.status, body: await replay.json() };
  const afterReplay = await fetch(plan.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${provider.tokens().access_token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "replay", version: "1" } } }),
  });
  output.afterReplay = { status: afterReplay.status, wwwAuthenticate: afterReplay.headers.get("www-authenticate") };

  await new Promise((resolve) => process.stdout.write(JSON.stringify(output) + "\n", resolve));
} catch (error) {
  fail((error instanceof Error ? error.stack ?? error.message : String(error)) + "\npartial output: " + JSON.stringify(output));
}

process.exit(0);

async function callTool(call) {
  const transport = new StreamableHTTPClientTransport(new URL(plan.url), { authProvider: provider });
  const client = new Client({ name: "warden-interop-ts", version: "1.0.0" });
  await client.connect(transport);
  try {
    return await client.callTool({ name: call.name, arguments: call.arguments ?? {} });
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

// A cookie-keeping browser that follows redirects by hand until one leaves for the client's redirect URI.
async function signInAndConsent(start, username, password, idp) {
  const cookies = new Map();
  const steps = [];
  let current = start;
  const go = async (url, init = {}) => {
    current = url;
    const headers = { ...(init.headers ?? {}), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    steps.push(`${init.method ?? "GET"} ${new URL(url).pathname} -> ${response.status}`);
    return response;
  };

  let response = await go(start);
  for (let hops = 0; hops < 20; hops++) {
    if (response.status === 302 || response.status === 303) {
      const location = new URL(response.headers.get("location"), current);
      if (location.href.startsWith(redirectUrl)) {
        const error = location.searchParams.get("error");
        if (error) {
          throw new Error(`authorization refused: ${error}: ${location.searchParams.get("error_description")}`);
        }

        return { code: location.searchParams.get("code"), steps };
      }

      response = await go(location.href);
      continue;
    }

    const html = await response.text();
    if (response.status !== 200) {
      throw new Error(`unexpected ${response.status} at ${response.url}: ${html.slice(0, 500)}`);
    }

    // Warden's login page with an IdP to use: click its button (a plain link) instead of filling in the form.
    const button = idp && new URL(current).pathname === "/oauth/login"
      ? [...html.matchAll(/<a class="button" href="([^"]+)">/g)].map((m) => decode(m[1])).find((href) => href.startsWith(`/oauth/login/${idp}?`))
      : undefined;
    if (idp && new URL(current).pathname === "/oauth/login") {
      if (!button) {
        throw new Error(`Warden's login page has no button for the IdP '${idp}': ${html.slice(0, 500)}`);
      }

      response = await go(new URL(button, current).href);
      continue;
    }

    const form = hiddenFields(html);
    const action = new URL(decode(/<form method="post" action="([^"]+)"/.exec(html)[1]), current);
    if (action.pathname.startsWith("/interaction/")) {
      // The IdP's own login form (tests/idp/idp.mjs).
      form.push(["login", username], ["password", password ?? ""]);
    } else if (html.includes('name="password"')) {
      form.push(["username", username], ["password", password]);
    } else if (html.includes('name="consent"')) {
      form.push(["consent", "approve"]);
    } else {
      throw new Error(`a page that is neither login nor consent: ${html.slice(0, 500)}`);
    }

    response = await go(action.href, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });
  }

  throw new Error(`no redirect back to the client after ${steps.length} steps: ${steps.join(", ")}`);
}

// The first form's hidden fields, as name/value pairs (a name may repeat: several resource parameters).
function hiddenFields(html) {
  const form = html.slice(html.indexOf("<form"), html.indexOf("</form>"));
  return [...form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [decode(m[1]), decode(m[2])]);
}

function decode(text) {
  return text
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
