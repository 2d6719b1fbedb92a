// A single-page application signing its user in through firmid with oauth4webapi (npm),
// as a public client: no secret, PKCE S256, state and nonce, every endpoint called by fetch
// from this page's origin. tests/clients/test_single_page_client.py serves this page and reads
// what it writes into #status and #result.
//
//   /?issuer=…&client_id=…          discovery, then the authorization request (redirect)
//   /callback?code=…&state=…&iss=…   code exchange, ID token (claims and signature), UserInfo,
//                                     refresh, revocation, and what fails after revocation
//   /probe?issuer=…&client_id=…     what this origin can read: discovery, and the answers of the
//                                     token, UserInfo and revocation endpoints to bogus requests
import * as oauth from '/oauth4webapi.js';

const KEPT = 'firmid-spa';
const here = new URL(location.href);
// The issuer and the test's endpoints are on loopback http.
const insecure = { [oauth.allowInsecureRequests]: true };

function show(status, result) {
  document.getElementById('result').textContent = JSON.stringify(result);
  document.getElementById('status').textContent = status;
}

async function discover(issuer) {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { ...insecure, algorithm: 'oidc' }));
}

async function start() {
  const issuer = here.searchParams.get('issuer');
  const client_id = here.searchParams.get('client_id');
  const as = await discover(issuer);
  const kept = {
    issuer, client_id,
    code_verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
  };
  sessionStorage.setItem(KEPT, JSON.stringify(kept));
  const request = new URL(as.authorization_endpoint);
  request.search = new URLSearchParams({
    response_type: 'code', client_id, redirect_uri: `${here.origin}/callback`, scope: 'openid profile email',
    state: kept.state, nonce: kept.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(kept.code_verifier), code_challenge_method: 'S256',
  }).toString();
  location.assign(request.href);
}

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return error.error ?? error.code ?? error.name;
  }
}

async function callback() {
  const kept = JSON.parse(sessionStorage.getItem(KEPT));
  sessionStorage.removeItem(KEPT);
  const as = await discover(kept.issuer);
  const client = { client_id: kept.client_id };
  const none = oauth.None();
  const params = oauth.validateAuthResponse(as, client, here, kept.state);  // state and RFC 9207 iss
  const tokenResponse = await oauth.authorizationCodeGrantRequest(
    as, client, none, params, `${here.origin}/callback`, kept.code_verifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as, client, tokenResponse, { expectedNonce: kept.nonce, requireIdToken: true });
  // iss, aud, azp, exp, iat, nonce are checked above; the signature against the JWKS here.
  await oauth.validateApplicationLevelSignature(as, tokenResponse, insecure);
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  const userinfo = await oauth.processUserInfoResponse(
    as, client, claims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
  const renewed = await oauth.processRefreshTokenResponse(
    as, client, await oauth.refreshTokenGrantRequest(as, client, none, tokens.refresh_token, insecure));
  const renewedUserinfo = await oauth.processUserInfoResponse(
    as, client, claims.sub, await oauth.userInfoRequest(as, client, renewed.access_token, insecure));
  const revoke = { ...insecure, additionalParameters: { token_type_hint: 'refresh_token' } };
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, none, renewed.refresh_token, revoke));
  show('signed in', {
    origin: here.origin,
    id_token_claims: claims,
    signature_verified: true,
    token_type: tokens.token_type,
    scope: tokens.scope,
    userinfo,
    refresh_rotated: Boolean(renewed.refresh_token) && renewed.refresh_token !== tokens.refresh_token,
    id_token_on_refresh: 'id_token' in renewed,
    renewed_userinfo_sub: renewedUserinfo.sub,
    revoked: true,
    refresh_after_revocation: await failure(oauth.processRefreshTokenResponse(
      as, client, await oauth.refreshTokenGrantRequest(as, client, none, renewed.refresh_token, insecure))),
    userinfo_after_revocation: await failure(oauth.userInfoRequest(as, client, renewed.access_token, insecure)
      .then((response) => oauth.processUserInfoResponse(as, client, claims.sub, response))),
  });
}

// fetch rejects with a TypeError when the browser withholds a cross-origin answer (CORS).
async function reads(request) {
  try {
    const response = await request;
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { blocked: error.name };
  }
}

async function probe() {
  const client_id = here.searchParams.get('client_id');
  const as = await discover(here.searchParams.get('issuer'));
  const form = (fields) => ({ method: 'POST', body: new URLSearchParams({ client_id, ...fields }) });
  show('probed', {
    origin: here.origin,
    discovery_issuer: as.issuer,
    jwks: await reads(fetch(as.jwks_uri)),
    token: await reads(fetch(as.token_endpoint, form({ grant_type: 'refresh_token', refresh_token: 'bogus' }))),
    userinfo: await reads(fetch(as.userinfo_endpoint, { headers: { Authorization: 'Bearer bogus' } })),
    revocation: await reads(fetch(as.revocation_endpoint, form({ token: 'bogus' }))),
  });
}

const step = { '/': start, '/callback': callback, '/probe': probe }[here.pathname];
step().catch((error) => show('failed', { error: String(error), code: error.code, cause: error.cause }));
