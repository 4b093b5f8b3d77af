// The TypeScript MCP SDK's own OAuth client against Warden as a protected resource (tests/Warden.Tests/Identity):
// the SDK meets Warden's 401, reads the protected resource metadata it points to, discovers the IdP, registers itself
// dynamically (RFC 7591), and builds the authorization request (PKCE S256, RFC 8707 resource). This script plays the
// user's browser without one: it follows the redirects, posts the IdP's login form, and hands the code back to the SDK,
// which exchanges it for a token and calls a tool through Warden. One JSON object on stdout; the rest on stderr.
//
//   node oauth-idp-client.mjs '{ "url": "http://127.0.0.1:PORT/mcp/test", "user": "alice", "password": "…"?,
//                           "call": { "name": "slow_echo", "arguments": {…} } }'
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
const { UnauthorizedError } = await sdk("client/auth.js");

const plan = JSON.parse(process.argv[2] ?? fail("usage: node oauth-idp-client.mjs '<plan as JSON>'"));
// Never dereferenced: the "browser" stops at this address and takes the code from it.
const redirectUrl = "http://127.0.0.1:1/oauth/callback";

const state = { clientInformation: undefined, tokens: undefined, codeVerifier: undefined, authorizationUrl: undefined };
const provider = {
  get redirectUrl() {
    return redirectUrl;
  },
  get clientMetadata() {
    return {
      client_name: "warden-interop-ts-oauth",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  },
  clientInformation: () => state.clientInformation,
  saveClientInformation: (information) => {
    state.clientInformation = information;
  },
  tokens: () => state.tokens,
  saveTokens: (tokens) => {
    state.tokens = tokens;
  },
  redirectToAuthorization: (url) => {
    state.authorizationUrl = url;
  },
  saveCodeVerifier: (verifier) => {
    state.codeVerifier = verifier;
  },
  codeVerifier: () => state.codeVerifier,
};

// 1. Without a token: Warden answers 401, the SDK discovers, registers and asks the "browser" to authorize.
const first = new StreamableHTTPClientTransport(new URL(plan.url), { authProvider: provider });
let unauthorized = false;
try {
  await new Client({ name: "warden-interop-ts-oauth", version: "1.0.0" }).connect(first);
} catch (error) {
  if (!(error instanceof UnauthorizedError)) {
    throw error;
  }

  unauthorized = true;
}

if (!state.authorizationUrl) {
  fail(`the SDK did not start an authorization (unauthorized: ${unauthorized})`);
}

// 2. The user signs in at the IdP; the code comes back on the redirect.
const code = await authorize(state.authorizationUrl, plan.user, plan.password ?? "");
await first.finishAuth(code);

// 3. With the token: connect again and call the tool through Warden.
const transport = new StreamableHTTPClientTransport(new URL(plan.url), { authProvider: provider });
const client = new Client({ name: "warden-interop-ts-oauth", version: "1.0.0" });
await client.connect(transport);
const result = await client.callTool(plan.call);
await client.close();

const authorization = new URL(state.authorizationUrl);
const claims = JSON.parse(Buffer.from(state.tokens.access_token.split(".")[1], "base64url").toString("utf8"));
process.stdout.write(JSON.stringify({
  unauthorizedFirst: unauthorized,
  registeredClientId: state.clientInformation?.client_id ?? null,
  authorization: {
    endpoint: authorization.origin + authorization.pathname,
    resource: authorization.searchParams.get("resource"),
    scope: authorization.searchParams.get("scope"),
    codeChallengeMethod: authorization.searchParams.get("code_challenge_method"),
  },
  token: { aud: claims.aud, sub: claims.sub, scope: claims.scope, iss: claims.iss },
  result,
}));

// Follows the authorization flow as a browser would: redirects by hand (to keep the IdP's cookies), the login form
// posted with the user's name, consent granted by the IdP; stops at the redirect URI and returns its code.
async function authorize(url, user, password) {
  const cookies = new Map();
  let next = url.toString();
  for (let step = 0; step < 12; step++) {
    let response = await fetch(next, { redirect: "manual", headers: { cookie: jar(cookies) } });
    keep(cookies, response);
    if (response.status === 200 && new URL(next).pathname.startsWith("/interaction/")) {
      response = await fetch(`${next}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: jar(cookies), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ login: user, password }).toString(),
      });
      keep(cookies, response);
    }

    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) {
      fail(`the authorization flow stopped at ${next} with ${response.status}: ${await response.text()}`);
    }

    next = new URL(location, next).toString();
    if (next.startsWith(redirectUrl)) {
      const parameters = new URL(next).searchParams;
      if (parameters.get("error")) {
        fail(`the IdP refused the authorization: ${parameters.get("error")} ${parameters.get("error_description") ?? ""}`);
      }

      return parameters.get("code");
    }
  }

  fail(`the authorization flow did not reach ${redirectUrl}`);
}

function keep(cookies, response) {
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(";");
    const at = pair.indexOf("=");
    cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
}

function jar(cookies) {
  return [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
