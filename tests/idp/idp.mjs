// A real OpenID Connect provider (npm `oidc-provider`, pinned in tests/tools/package.json) for Warden's identity tests:
// the company IdP, started by a test as a child process. It listens on 127.0.0.1 on a port the OS picks and prints
//
//   ISSUER http://127.0.0.1:PORT
//
// on stdout when it is ready; everything else goes to stderr.
//
//   node idp.mjs '<options as JSON>'        (or the options in the WARDEN_IDP_OPTIONS environment variable)
//
// options (all optional):
//   clients:        [{ client_id, client_secret?, redirect_uris?, grant_types?, token_endpoint_auth_method?,
//                      tokenClaims?: { claim: value } }]   a client without a secret is public (auth method none);
//                   tokenClaims are added to the access tokens it gets through client_credentials
//   users:          [{ sub, password?, name?, email?, groups?, roles?, claims?: {…} }]
//   registration:   true | false      dynamic client registration (RFC 7591), default true
//   resourceScopes: "mcp"             the scopes a resource server (any resource indicator) may be granted
//   accessTokenTtl: 600               seconds
//   idTokenClaims:  false             true puts the user's claims in the ID token itself (as Entra and Cognito do)
//                                     instead of only in the userinfo answer (oidc-provider's default for code flow)
//
// A user's custom claims (claims: { "cognito:groups": [...] }) are released with the profile scope.
//
// Access tokens are JWTs (RS256) whose `aud` is the requested resource (RFC 8707 resource indicators); tokens of a
// signed-in user also carry name, email, groups and roles. Sign-in without a browser: the authorization request
// redirects to /interaction/{uid}; POST /interaction/{uid}/login with login=SUB&password=… (form-encoded, with the
// cookies the IdP set) signs the user in (deny=1 instead cancels: error=access_denied goes back to the client);
// consent is granted automatically for whatever was asked.
//
// Test controls (loopback only, like the IdP itself):
//   POST /__admin/rotate   adds a new signing key and makes it the one tokens are signed with; answers { kid, kids }
//   GET  /__admin/keys     { current, kids }
//   POST /__admin/clients  adds the client in the JSON body (same shape as options.clients), e.g. one whose
//                          redirect URI is only known once the relying party has started; answers { client_id }
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "tools", "node_modules");
const entry = path.join(modules, "oidc-provider", "lib", "index.js");
if (!existsSync(entry)) {
  fail(`oidc-provider is not installed at ${entry}; run scripts/test.sh (it runs npm ci in tests/tools).`);
}

const { default: Provider } = await import(pathToFileURL(entry).href);

const options = JSON.parse(process.argv[2] ?? process.env.WARDEN_IDP_OPTIONS ?? "{}");
const users = new Map((options.users ?? []).map((u) => [u.sub, u]));
const tokenClaims = new Map((options.clients ?? []).filter((c) => c.tokenClaims).map((c) => [c.client_id, c.tokenClaims]));
const clients = (options.clients ?? []).map(toClient);
const customClaims = [...new Set((options.users ?? []).flatMap((u) => Object.keys(u.claims ?? {})))];
const resourceScopes = options.resourceScopes ?? "mcp";
const accessTokenTtl = options.accessTokenTtl ?? 600;
const cookieKeys = [randomBytes(32).toString("base64url")];

// Newest first: oidc-provider signs with the first key of an algorithm, and publishes them all.
const keys = [newKey()];

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    process.stderr.write(`idp: ${error?.stack ?? error}\n`);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end(String(error?.message ?? error));
    }
  });
});

await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
let provider = create();
let callback = provider.callback();
process.stdout.write(`ISSUER ${issuer}\n`);

async function handle(req, res) {
  const url = new URL(req.url, issuer);
  if (url.pathname === "/__admin/rotate" && req.method === "POST") {
    keys.unshift(newKey());
    provider = create();
    callback = provider.callback();
    return json(res, 200, { kid: keys[0].kid, kids: keys.map((k) => k.kid) });
  }

  if (url.pathname === "/__admin/clients" && req.method === "POST") {
    const client = JSON.parse(await body(req));
    if (client.tokenClaims) {
      tokenClaims.set(client.client_id, client.tokenClaims);
    }

    clients.push(toClient(client));
    provider = create();
    callback = provider.callback();
    return json(res, 200, { client_id: client.client_id });
  }

  if (url.pathname === "/__admin/keys") {
    return json(res, 200, { current: keys[0].kid, kids: keys.map((k) => k.kid) });
  }

  const interaction = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
  if (interaction) {
    return interact(req, res, interaction[2] === "/login");
  }

  return callback(req, res);
}

async function interact(req, res, submitted) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === "login") {
    if (!submitted) {
      return page(res, 200, loginForm(uid, params.login_hint));
    }

    const form = new URLSearchParams(await body(req));
    if (form.get("deny")) {
      // The user cancels: the IdP answers the relying party with an OAuth error response.
      return provider.interactionFinished(req, res, { error: "access_denied", error_description: "The user cancelled the sign-in." }, { mergeWithLastSubmission: false });
    }

    const user = users.get(form.get("login") ?? "");
    if (!user || (user.password !== undefined && user.password !== form.get("password"))) {
      return page(res, 401, loginForm(uid, form.get("login"), "Unknown user or wrong password."));
    }

    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  if (prompt.name === "consent") {
    // Consent is granted for everything asked: the tests are about Warden, not about a consent screen.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) {
      grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    }

    if (missing.missingOIDCClaims) {
      grant.addOIDCClaims(missing.missingOIDCClaims);
    }

    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }

    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return page(res, 400, `<p>Unsupported prompt ${escape(prompt.name)}</p>`);
}

function create() {
  const created = new Provider(issuer, {
    clients,
    jwks: { keys: keys.map((k) => k.jwk) },
    cookies: { keys: cookieKeys },
    findAccount: (_ctx, id) => {
      const user = users.get(id);
      return user ? { accountId: id, claims: () => ({ sub: id, ...profile(user) }) } : undefined;
    },
    claims: {
      openid: ["sub"],
      profile: ["name", ...customClaims],
      email: ["email", "email_verified"],
      groups: ["groups"],
      roles: ["roles"],
    },
    // The resource scopes are listed too: clients that register dynamically name the scopes they will ask for.
    scopes: [...new Set(["openid", "offline_access", "profile", "email", "groups", "roles", ...resourceScopes.split(" ")])],
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    conformIdTokenClaims: !(options.idTokenClaims ?? false),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      registration: { enabled: options.registration ?? true },
      resourceIndicators: {
        enabled: true,
        // A client that asked for one resource gets its token for it without repeating it at the token endpoint.
        defaultResource: (_ctx, _client, oneOf) => (oneOf?.length === 1 ? oneOf[0] : oneOf) ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => ({
          scope: resourceScopes,
          audience: resourceIndicator,
          accessTokenTTL: accessTokenTtl,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      if (token.accountId && users.has(token.accountId)) {
        return profile(users.get(token.accountId));
      }

      return token.clientId ? tokenClaims.get(token.clientId) : undefined;
    },
    ttl: { AccessToken: accessTokenTtl, ClientCredentials: accessTokenTtl },
  });
  created.on("server_error", (_ctx, error) => process.stderr.write(`idp server_error: ${error?.stack ?? error}\n`));
  return created;
}

function toClient({ tokenClaims: _, ...client }) {
  return {
    grant_types: client.redirect_uris ? ["authorization_code", "refresh_token"] : ["client_credentials"],
    response_types: client.redirect_uris ? ["code"] : [],
    redirect_uris: [],
    token_endpoint_auth_method: client.client_secret ? "client_secret_basic" : "none",
    ...client,
  };
}

function profile(user) {
  const claims = { ...(user.claims ?? {}) };
  for (const name of ["name", "email", "groups", "roles"]) {
    if (user[name] !== undefined) {
      claims[name] = user[name];
    }
  }

  if (user.email !== undefined) {
    claims.email_verified = true;
  }

  return claims;
}

function newKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `k-${randomBytes(6).toString("hex")}`;
  return { kid, jwk: { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } };
}

function loginForm(uid, login, error) {
  return `<!doctype html><title>Sign in</title>${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User <input name="login" value="${escape(login ?? "")}"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res, status, html) {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.end(html);
}

function json(res, status, value) {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify(value));
}

function body(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
