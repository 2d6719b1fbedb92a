// Northwind Partners' own OpenID Connect provider: the upstream of firmid's SSO demo and tests.
//
// A real provider that firmid's code did not write: panva's OpenID-certified oidc-provider.
// Only the sign-in pages are written here (email and password, then a TOTP when asked);
// every client is first-party, so consent is granted without a page. One JSON file
// configures it (README.md lists the keys):
//
//     node demo_idp/server.mjs demo_idp/northwind.json
//
// A demo and test provider on loopback only: plain http issuer, sessions in memory, no
// rate limits, no TOTP replay guard (tests sign the same user in twice within 30 s).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import Provider, { interactionPolicy } from 'oidc-provider';

const ACR_DEFAULTS = {
  password: 'urn:northwind:acr:password',
  mfa: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
};
const REQUIRED_KEYS = ['issuer', 'port', 'clients', 'users', 'keys_file'];
const PENDING_TOTP_MS = 10 * 60 * 1000;

// --- configuration -------------------------------------------------------------------------

function loadConfig(file) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const missing = REQUIRED_KEYS.filter((key) => raw[key] === undefined);
  if (missing.length) throw new Error(`${file}: missing ${missing.join(', ')}`);
  return {
    host: '127.0.0.1',
    name: 'Northwind Partners',
    ...raw,
    // Relative to the configuration file, so that the working directory does not matter.
    keys_file: path.resolve(path.dirname(file), raw.keys_file),
    acr: { ...ACR_DEFAULTS, ...raw.acr },
    users: raw.users.map((user) => ({ mfa: 'on_request', ...user, email: user.email.toLowerCase() })),
  };
}

function loadKeys(file) {
  if (!fs.existsSync(file)) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `northwind-${crypto.randomBytes(4).toString('hex')}`;
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`, { mode: 0o600 });
  }
  const { keys } = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!keys?.length || keys.some((key) => !key.kid || !key.d)) {
    throw new Error(`${file}: a JWKS of private keys, each with a kid`);
  }
  // oidc-provider signs with the first matching key: the first one here.
  return keys.map((key) => ({ alg: 'RS256', use: 'sig', ...key }));
}

function clientMetadata(client) {
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // Registered as basic; oidc-provider accepts client_secret_post for it too.
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

// --- TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, one step either side) ---------------------

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...text.replace(/[=\s]/g, '').toUpperCase()].map((char) => {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error('totp_secret is not base32');
    return value.toString(2).padStart(5, '0');
  }).join('');
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
}

function hotp(key, counter) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = crypto.createHmac('sha1', key).update(message).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

function totpMatches(secret, code) {
  if (!/^\d{6}$/.test(code)) return false;
  const key = base32Decode(secret);
  const step = Math.floor(Date.now() / 30_000);
  return [-1, 0, 1].some((drift) => crypto.timingSafeEqual(Buffer.from(hotp(key, step + drift)), Buffer.from(code)));
}

// --- users ---------------------------------------------------------------------------------

function sameSecret(given, expected) {
  const digest = (text) => crypto.createHash('sha256').update(String(text)).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

function claimsOf(user) {
  const { sub, email, email_verified: emailVerified, name, given_name: given, family_name: family } = user;
  return { sub, email, email_verified: Boolean(emailVerified), name, given_name: given, family_name: family };
}

function requestedAcrs(params) {
  return (params.acr_values ?? '').split(' ').filter(Boolean);
}

function needsTotp(user, params, acr) {
  return Boolean(user.totp_secret) && (user.mfa === 'always' || requestedAcrs(params).includes(acr.mfa));
}

// --- pages ---------------------------------------------------------------------------------

function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function alert(error) {
  return error ? `<p role="alert">${escapeHtml(error)}</p>` : '';
}

function cancelForm(uid) {
  return `<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`;
}

function errorPage(config, { error, error_description: description }) {
  return page(`${config.name}: sign-in error`, `<p role="alert">${escapeHtml(description ?? error)}</p>
<p>Go back to the application and sign in again.</p>`);
}

function loginPage(config, uid, { email = '', error = '' } = {}) {
  return page(`Sign in to ${config.name}`, `${alert(error)}
<form method="post" action="/interaction/${uid}/login">
<p><label for="email">Email</label> <input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(email)}" required></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>${cancelForm(uid)}`);
}

function totpPage(config, uid, { error = '' } = {}) {
  return page(`${config.name}: two-step verification`, `${alert(error)}
<form method="post" action="/interaction/${uid}/totp">
<p><label for="code">6-digit code from your authenticator app</label> <input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required></p>
<p><button type="submit">Verify</button></p>
</form>${cancelForm(uid)}`);
}

// --- provider ------------------------------------------------------------------------------

function loginPolicy(acr) {
  const prompts = interactionPolicy.base();
  // Step-up: a request asking for the MFA acr signs in again when the session has not done MFA.
  prompts.get('login').checks.add(new interactionPolicy.Check(
    'acr_values_mfa',
    'multi-factor authentication was requested',
    (ctx) => requestedAcrs(ctx.oidc.params).includes(acr.mfa)
      && ctx.oidc.acr !== acr.mfa && !ctx.oidc.result?.login,
  ));
  return prompts;
}

function buildProvider(config, keys) {
  const bySub = new Map(config.users.map((user) => [user.sub, user]));
  return new Provider(config.issuer, {
    clients: config.clients.map(clientMetadata),
    jwks: { keys },
    cookies: {
      keys: config.cookie_keys ?? [crypto.randomBytes(32).toString('base64url')],
      // Cookies are shared by every port of 127.0.0.1 (firmid, Documents, this provider): names of its own.
      names: { session: 'northwind_session', interaction: 'northwind_interaction', resume: 'northwind_resume' },
    },
    pkce: { methods: ['S256'], required: () => true },
    acrValues: [config.acr.password, config.acr.mfa],
    scopes: ['openid', 'email', 'profile'],
    responseTypes: ['code'],
    claims: {
      // acr, amr and auth_time with the openid scope: every ID token says how the user signed in.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      sid: null,
    },
    // The scopes' claims go into the ID token too, as Entra ID and Google put them there.
    conformIdTokenClaims: false,
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    features: { devInteractions: { enabled: false } },
    interactions: { policy: loginPolicy(config.acr), url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600,
      Session: 14 * 24 * 3600, Grant: 14 * 24 * 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(config, out);
    },
    findAccount: (ctx, sub) => {
      const user = bySub.get(sub);
      return user && { accountId: sub, claims: () => claimsOf(user) };
    },
  });
}

// --- routes: the sign-in pages, /health and one log line per request -----------------------

async function formBody(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

function html(ctx, body) {
  ctx.status = 200;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

async function finish(ctx, provider, result) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

async function grantConsent(ctx, provider, interaction) {
  // First-party clients: grant what was asked, as oidc-provider's example consent does.
  const { prompt: { details }, params, session } = interaction;
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  const grantId = await grant.save();
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

function routes(config, provider) {
  const byEmail = new Map(config.users.map((user) => [user.email, user]));
  const pending = new Map(); // interaction uid -> { user, until }: password checked, TOTP awaited
  const pendingUser = (uid) => {
    const entry = pending.get(uid);
    return entry && entry.until > Date.now() ? entry.user : undefined;
  };
  const signedIn = (user, withTotp) => ({
    login: withTotp
      ? { accountId: user.sub, amr: ['pwd', 'otp', 'mfa'], acr: config.acr.mfa }
      : { accountId: user.sub, amr: ['pwd'], acr: config.acr.password },
  });

  const show = async (ctx) => {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.prompt.name === 'consent') return grantConsent(ctx, provider, interaction);
    if (pendingUser(interaction.uid)) return html(ctx, totpPage(config, interaction.uid));
    return html(ctx, loginPage(config, interaction.uid, { email: interaction.params.login_hint ?? '' }));
  };

  const login = async (ctx) => {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    const { email = '', password = '' } = await formBody(ctx);
    const user = byEmail.get(email.trim().toLowerCase());
    const passwordOk = sameSecret(password, user?.password ?? crypto.randomUUID());
    if (!user || !passwordOk) {
      return html(ctx, loginPage(config, interaction.uid, { email, error: 'Wrong email or password' }));
    }
    if (!needsTotp(user, interaction.params, config.acr)) return finish(ctx, provider, signedIn(user, false));
    for (const [uid, entry] of pending) if (entry.until <= Date.now()) pending.delete(uid);
    pending.set(interaction.uid, { user, until: Date.now() + PENDING_TOTP_MS });
    ctx.status = 303;
    return ctx.redirect(`/interaction/${interaction.uid}`);
  };

  const totp = async (ctx) => {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    const user = pendingUser(interaction.uid);
    if (!user) return html(ctx, loginPage(config, interaction.uid, { error: 'Sign in again' }));
    const { code = '' } = await formBody(ctx);
    if (!totpMatches(user.totp_secret, code.trim())) {
      return html(ctx, totpPage(config, interaction.uid, { error: 'Wrong code' }));
    }
    pending.delete(interaction.uid);
    return finish(ctx, provider, signedIn(user, true));
  };

  const abort = async (ctx) => {
    await provider.interactionDetails(ctx.req, ctx.res);
    return finish(ctx, provider, { error: 'access_denied', error_description: 'End-User aborted the sign-in' });
  };

  const table = [
    ['GET', /^\/interaction\/([\w-]+)$/, show],
    ['POST', /^\/interaction\/([\w-]+)\/login$/, login],
    ['POST', /^\/interaction\/([\w-]+)\/totp$/, totp],
    ['POST', /^\/interaction\/([\w-]+)\/abort$/, abort],
  ];
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/health') {
      ctx.body = 'ok';
      return undefined;
    }
    const route = table.find(([method, pattern]) => method === ctx.method && pattern.test(ctx.path));
    if (!route) return next();
    try {
      return await route[2](ctx);
    } catch (error) {
      // An expired or unknown interaction (or its cookie missing): a page, not a stack.
      if (!error.error) throw error;
      html(ctx, errorPage(config, error));
      ctx.status = error.status ?? 400;
      return undefined;
    }
  };
}

async function logRequest(ctx, next) {
  let status;
  try {
    await next();
    status = ctx.status;
  } catch (error) {
    status = error.status ?? error.statusCode ?? 500;
    throw error;
  } finally {
    console.log(`${ctx.method} ${ctx.path} ${status}`);
  }
}

function main(configFile) {
  if (!configFile) throw new Error('usage: node demo_idp/server.mjs CONFIG.json');
  const config = loadConfig(configFile);
  const provider = buildProvider(config, loadKeys(config.keys_file));
  provider.use(logRequest);
  provider.use(routes(config, provider));
  if (process.env.DEMO_IDP_EXIT_WITH_STDIN) {
    // Started by the tests' harness: stop when it goes away (its pipe closes), even if killed.
    process.stdin.on('end', () => process.exit(0)).resume();
  }
  provider.listen(config.port, config.host, () => {
    console.log(`identity provider of ${config.name}: ${config.issuer} (listening on ${config.host}:${config.port})`);
  });
}

main(process.argv[2]);
