// Passkeys and security keys: the browser's WebAuthn ceremonies for firmid's pages.
// A script file (the Content-Security-Policy allows no inline script), driven by data attributes:
//   [data-passkey-create]  creates a key with the options in #passkey-options, then submits its form;
//   [data-passkey-get]     signs the challenge in #passkey-options (second factor), then submits its form;
//   [data-passkey-login]   fetches a challenge from its form's action (sign-in without a password), signs it, submits.
// The server checks every answer (origin, RP id, challenge, signature, user verification).
(function () {
  'use strict'
  const webauthnJSON = window.webauthnJSON

  function options () {
    const element = document.getElementById('passkey-options')
    return element ? JSON.parse(element.textContent) : {}
  }

  function showError (form, error) {
    const place = form.querySelector('[data-passkey-error]') || document.querySelector('[data-passkey-error]')
    if (!place) return
    // The words come from the page, in its language (data-cancelled, data-failed); English otherwise.
    const cancelled = error && error.name === 'NotAllowedError'
    const text = cancelled
      ? place.dataset.cancelled || 'The browser did not use a passkey: it was cancelled or timed out. Try again.'
      : (place.dataset.failed || 'Your browser could not use a passkey here.') + (error && error.name ? ' (' + error.name + ')' : '')
    place.textContent = text
    place.hidden = false
  }

  function submitWith (form, credential) {
    form.querySelector('input[name="credential"]').value = JSON.stringify(credential)
    form.submit()
  }

  function creationOptions (form) {
    const creation = JSON.parse(JSON.stringify(options().creation_options))
    const kind = form.querySelector('input[name="kind"]:checked')
    const selection = creation.publicKey.authenticatorSelection = creation.publicKey.authenticatorSelection || {}
    const passkey = !kind || kind.value === 'passkey'
    // A passkey lives on the authenticator (a discoverable credential) and always verifies its user.
    selection.residentKey = passkey ? 'required' : 'discouraged'
    selection.requireResidentKey = passkey
    if (passkey) selection.userVerification = 'required'
    return creation
  }

  async function create (button) {
    const form = button.form
    try {
      submitWith(form, await webauthnJSON.create(creationOptions(form)))
    } catch (error) {
      showError(form, error)
    }
  }

  async function get (button) {
    const form = button.form
    try {
      submitWith(form, await webauthnJSON.get(options().request_options))
    } catch (error) {
      showError(form, error)
    }
  }

  async function login (button) {
    const form = button.form
    try {
      const response = await fetch(form.action, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (!response.ok) throw new Error('no challenge')
      const data = await response.json()
      submitWith(form, await webauthnJSON.get(data.request_options))
    } catch (error) {
      showError(form, error)
    }
  }

  const actions = { passkeyCreate: create, passkeyGet: get, passkeyLogin: login }
  document.addEventListener('click', function (event) {
    const button = event.target.closest('[data-passkey-create], [data-passkey-get], [data-passkey-login]')
    if (!button) return
    event.preventDefault()
    const name = Object.keys(actions).find(function (key) { return key in button.dataset })
    actions[name](button)
  })
  if (!window.PublicKeyCredential) {
    document.querySelectorAll('[data-passkey-create], [data-passkey-get], [data-passkey-login]').forEach(function (button) {
      button.disabled = true
    })
  }
})()
