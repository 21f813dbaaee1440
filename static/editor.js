// The connector editor (SPEC §20): one definition object is the source of truth. The form edits
// it field by field in place, so keys the form does not know (timeout_ms, rate_limit, anything
// pasted from elsewhere) are kept; the Code view shows the same object as JSON, and switching back
// parses it again. Validate, Test connection and Save post the definition to /studio/api/*.
const root = document.getElementById('editor')
const composite = root.dataset.composite === 'true'
let replaces = root.dataset.replaces
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? ''
const code = document.getElementById('code')
const formView = document.getElementById('form-view')
const codeView = document.getElementById('code-view')
const messages = document.getElementById('messages')
const showFormButton = document.getElementById('show-form')
const showCodeButton = document.getElementById('show-code')

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']
const AUTH_TYPES = [
  ['none', 'None'], ['api_key', 'API key'], ['oauth_client_credentials', 'OAuth client credentials'],
  ['jwt', 'JWT'], ['oauth_jwt_bearer', 'OAuth JWT bearer']
]
const AUTH_FIELDS = {
  none: [],
  api_key: [['key', 'API key name'], ['value', 'API key value'], ['in', 'Send in', 'in']],
  oauth_client_credentials: [['client_id', 'Client ID'], ['client_secret', 'Client secret'], ['token_url', 'Token URL'], ['scope', 'Scope']],
  jwt: [['private_key', 'Private key', 'text'], ['algorithm', 'Algorithm'], ['claims', 'Claims (JSON object)', 'json'], ['jwt_headers', 'JWT headers (JSON object)', 'json']],
  oauth_jwt_bearer: [
    ['client_id', 'Client ID'], ['private_key', 'Private key', 'text'], ['token_url', 'Token URL'], ['subject', 'Subject'],
    ['audience', 'Audience'], ['token_ttl', 'Token TTL (seconds)', 'number'], ['algorithm', 'Algorithm'],
    ['additional_claims', 'Additional claims (JSON object)', 'json'], ['jwt_headers', 'JWT headers (JSON object)', 'json']
  ]
}

let definition = JSON.parse(code.value)
let mode = 'form'
let uid = 0
const nextId = (prefix) => `${prefix}-${++uid}`

function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue
    if (k === 'text') node.textContent = v
    else if (k in node && typeof v !== 'string') node[k] = v
    else node.setAttribute(k, v === true ? '' : v)
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child)
  return node
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
const shown = (v) => v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)

/** A labelled control bound to obj[key]. */
function field (obj, key, label, kind = 'line', options = {}) {
  const id = nextId('f')
  let control
  if (kind === 'text' || kind === 'json') {
    control = el('textarea', { id, class: 'code', rows: options.rows ?? 4, spellcheck: 'false' })
    control.value = kind === 'json' ? (obj[key] === undefined ? '' : JSON.stringify(obj[key], null, 2)) : shown(obj[key])
  } else if (kind === 'method' || kind === 'in') {
    const values = kind === 'method' ? METHODS : ['header', 'query']
    control = el('select', { id })
    for (const v of values) control.append(el('option', { value: v, text: v }))
    const value = typeof obj[key] === 'string' ? obj[key] : values[0]
    control.value = kind === 'method' ? value.toUpperCase() : value
  } else {
    control = el('input', { id, type: 'text', inputmode: kind === 'number' ? 'numeric' : undefined, spellcheck: 'false', autocomplete: 'off' })
    control.value = shown(obj[key])
    if (options.placeholder !== undefined) control.placeholder = options.placeholder
  }
  const note = el('small', { class: 'field-error', id: `${id}-error`, hidden: true })
  const update = () => {
    const v = control.value
    note.hidden = true
    control.removeAttribute('aria-invalid')
    if (kind === 'json') {
      if (v.trim() === '') { delete obj[key]; return }
      try {
        const parsed = JSON.parse(v)
        if (!isObject(parsed)) throw new Error('not an object')
        obj[key] = parsed
      } catch {
        note.textContent = 'Not a JSON object: the definition keeps the last valid value'
        note.hidden = false
        control.setAttribute('aria-invalid', 'true')
        control.setAttribute('aria-describedby', note.id)
      }
    } else if (kind === 'number') {
      if (v.trim() === '') delete obj[key]
      else obj[key] = /^\d+$/.test(v.trim()) ? Number(v.trim()) : v
    } else {
      obj[key] = v
    }
    options.onChange?.(v)
  }
  control.addEventListener(control.tagName === 'SELECT' ? 'change' : 'input', update)
  return el('div', { class: `field${kind === 'text' || kind === 'json' ? ' grow' : ''}` }, el('label', { for: id, text: label }), control, note)
}

/** Header, query parameter or path parameter rows with Key, Value and Overridable. */
function rows (obj, key, legend, addLabel) {
  const box = el('fieldset', { class: 'rows' }, el('legend', { text: legend }))
  const list = el('div', { class: 'row-list' })
  box.append(list)
  if (obj[key] !== undefined && !Array.isArray(obj[key])) {
    box.append(el('p', { class: 'hint', text: `${legend} is not a list: edit it in the Code view.` }))
    return box
  }
  const draw = () => {
    list.replaceChildren()
    const items = Array.isArray(obj[key]) ? obj[key] : []
    if (items.length === 0) list.append(el('p', { class: 'empty', text: 'None.' }))
    items.forEach((row, i) => {
      if (!isObject(row)) {
        list.append(el('p', { class: 'hint', text: `Row ${i + 1} is not an object: edit it in the Code view.` }))
        return
      }
      const overId = nextId('o')
      const over = el('input', { id: overId, type: 'checkbox' })
      over.checked = row.overridable === true
      over.addEventListener('change', () => {
        if (over.checked) row.overridable = true
        else if ('overridable' in row) row.overridable = false
      })
      const remove = el('button', { type: 'button', class: 'secondary small', text: 'Remove' })
      remove.setAttribute('aria-label', `Remove ${legend.toLowerCase()} row ${i + 1}`)
      remove.addEventListener('click', () => { items.splice(i, 1); draw(); addButton.focus() })
      list.append(el('div', { class: 'row' },
        field(row, 'key', 'Key'),
        field(row, 'value', 'Value'),
        el('div', { class: 'check' }, over, el('label', { for: overId, text: 'Overridable' })),
        remove))
    })
  }
  const addButton = el('button', { type: 'button', class: 'secondary', text: addLabel })
  addButton.addEventListener('click', () => {
    if (!Array.isArray(obj[key])) obj[key] = []
    obj[key].push({ key: '', value: '' })
    draw()
    const inputs = list.querySelectorAll('.row:last-child input')
    inputs[0]?.focus()
  })
  draw()
  box.append(addButton)
  return box
}

function authentication (obj) {
  const box = el('fieldset', { class: 'auth' }, el('legend', { text: 'Authentication' }))
  const id = nextId('auth')
  const select = el('select', { id })
  for (const [value, label] of AUTH_TYPES) select.append(el('option', { value, text: label }))
  const raw = isObject(obj.authentication) ? obj.authentication.type : undefined
  select.value = raw === 'apikey' ? 'api_key' : typeof raw === 'string' ? raw : 'none'
  const fields = el('div', { class: 'auth-fields' })
  const draw = () => {
    fields.replaceChildren()
    const auth = obj.authentication
    if (!isObject(auth) || !isObject(auth.config)) return
    for (const [key, label, kind] of AUTH_FIELDS[select.value] ?? []) fields.append(field(auth.config, key, label, kind ?? 'line'))
  }
  select.addEventListener('change', () => {
    const type = select.value
    if (type === 'none') obj.authentication = { type: 'none' }
    else {
      const auth = isObject(obj.authentication) ? obj.authentication : {}
      obj.authentication = { ...auth, type, config: isObject(auth.config) ? auth.config : {} }
    }
    draw()
  })
  box.append(el('div', { class: 'field' }, el('label', { for: id, text: 'Authentication type' }), select), fields)
  draw()
  return box
}

/** The fields every request has: a connector, or one step of a composite. */
function requestFields (obj, { pathParams }) {
  const frag = document.createDocumentFragment()
  frag.append(
    el('div', { class: 'columns' }, field(obj, 'method', 'Method', 'method'), el('div', { class: 'grow' }, field(obj, 'url', 'URL', 'line', { placeholder: 'https://api.example.com/items/{{ pathParams.id }}' }))),
    rows(obj, 'headers', 'Headers', 'Add header'),
    rows(obj, 'query_parameters', 'Query parameters', 'Add query parameter')
  )
  if (pathParams) frag.append(rows(obj, 'path_parameters', 'Path parameters', 'Add path parameter'))
  frag.append(
    authentication(obj),
    el('div', { class: 'columns' }, field(obj, 'request_body', 'Request body', 'text', { rows: 6 }), field(obj, 'response_body', 'Response body', 'text', { rows: 6 })),
    field(obj, 'response_content_type', 'Response content type', 'line', { placeholder: 'upstream content type' })
  )
  return frag
}

function drawForm () {
  formView.replaceChildren()
  if (!isObject(definition)) {
    formView.append(el('p', { class: 'error', text: 'The definition is not a JSON object: edit it in the Code view.' }))
    return
  }
  formView.append(el('div', { class: 'columns' },
    el('div', { class: 'grow' }, field(definition, 'name', 'Name')),
    el('div', { class: 'grow' }, field(definition, 'permalink', 'Permalink', 'line', { placeholder: 'derived from the name' }))))
  if (!composite) {
    formView.append(requestFields(definition, { pathParams: true }))
    return
  }
  if (definition.steps !== undefined && !Array.isArray(definition.steps)) {
    formView.append(el('p', { class: 'hint', text: 'steps is not a list: edit it in the Code view.' }))
    return
  }
  const steps = Array.isArray(definition.steps) ? definition.steps : (definition.steps = [])
  steps.forEach((step, i) => {
    if (!isObject(step)) return
    const remove = el('button', { type: 'button', class: 'secondary small', text: 'Remove step' })
    remove.addEventListener('click', () => { steps.splice(i, 1); drawForm() })
    formView.append(el('fieldset', { class: 'step' }, el('legend', { text: `Step ${i + 1}` }),
      field(step, 'name', 'Step name'), requestFields(step, { pathParams: false }), remove))
  })
  const add = el('button', { type: 'button', class: 'secondary', text: 'Add step' })
  add.addEventListener('click', () => { steps.push({ name: `step${steps.length + 1}`, method: 'GET', url: 'https://' }); drawForm() })
  formView.append(add)
}

function say (kind, title, items = []) {
  messages.replaceChildren()
  const box = el('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : undefined }, el('p', { text: title }))
  if (items.length > 0) box.append(el('ul', { class: 'problems' }, ...items.map(t => el('li', { text: t }))))
  messages.append(box)
}

/** Line and column of a JSON.parse error in `text`, from the browser's message. */
function jsonErrorPosition (err, text) {
  const lc = /line (\d+) column (\d+)/.exec(err.message)
  if (lc !== null) return { line: Number(lc[1]), column: Number(lc[2]) }
  const at = /position (\d+)/.exec(err.message)
  const offset = at === null ? text.length : Number(at[1])
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: before[before.length - 1].length + 1 }
}

/** The definition in the editor now, or undefined (with the error shown) when the Code view does not parse. */
function current () {
  if (mode === 'form') return definition
  try {
    return JSON.parse(code.value)
  } catch (err) {
    const { line, column } = jsonErrorPosition(err, code.value)
    say('error', `Code: the JSON is not valid at line ${line}, column ${column}.`, [err.message])
    code.focus()
    return undefined
  }
}

function showCode () {
  code.value = JSON.stringify(definition, null, 2)
  mode = 'code'
  formView.hidden = true
  codeView.hidden = false
  showCodeButton.setAttribute('aria-pressed', 'true')
  showFormButton.setAttribute('aria-pressed', 'false')
}

function showForm () {
  if (mode === 'form') return
  const parsed = current()
  if (parsed === undefined) return
  if (!isObject(parsed)) { say('error', 'Code: the definition must be a JSON object.'); return }
  definition = parsed
  messages.replaceChildren()
  mode = 'form'
  drawForm()
  codeView.hidden = true
  formView.hidden = false
  showFormButton.setAttribute('aria-pressed', 'true')
  showCodeButton.setAttribute('aria-pressed', 'false')
}

async function api (path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
    credentials: 'same-origin'
  })
  let json = {}
  try { json = await response.json() } catch { /* shown by status */ }
  if (response.status === 401) say('error', 'Your Studio session has ended: sign in again.')
  return { status: response.status, json }
}

const problemLines = (problems) => (problems ?? []).map(p => p.text ?? p.message)

async function validate () {
  const def = current()
  if (def === undefined) return
  const { status, json } = await api('/studio/api/validate', { text: JSON.stringify(def) })
  if (status !== 200) { say('error', json.error ?? `Validation failed (${status})`); return }
  const warnings = problemLines(json.warnings).map(w => `Warning: ${w}`)
  if (json.valid) say('ok', 'The definition is valid.', warnings)
  else say('error', `The definition has ${json.errors.length} problem${json.errors.length === 1 ? '' : 's'}:`, [...problemLines(json.errors), ...warnings])
}

function pairs (id) {
  const out = {}
  const text = document.getElementById(id)?.value ?? ''
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const eq = line.indexOf('=')
    if (eq === -1) out[line.trim()] = ''
    else out[line.slice(0, eq).trim()] = line.slice(eq + 1)
  }
  return out
}

function userInput () {
  const user = {}
  const map = { id: 'user-id', email: 'user-email', first_name: 'user-first-name', last_name: 'user-last-name', username: 'user-username', tenant_id: 'user-tenant' }
  for (const [key, id] of Object.entries(map)) {
    const v = document.getElementById(id).value
    if (v !== '') user[key] = v
  }
  return Object.keys(user).length === 0 ? undefined : user
}

function fillTable (table, entries) {
  const body = table.querySelector('tbody')
  body.replaceChildren()
  for (const [k, v] of entries) {
    const value = typeof v === 'string' ? v : JSON.stringify(v, null, 2)
    body.append(el('tr', {}, el('th', { scope: 'row', text: k }), el('td', {}, el('pre', { text: value }))))
  }
}

async function runTest () {
  const def = current()
  if (def === undefined) return
  const body = { connector: def, queryParams: pairs('test-query'), headers: pairs('test-headers') }
  if (!composite) body.pathParams = pairs('test-path')
  const payloadText = document.getElementById('test-payload').value
  if (payloadText.trim() !== '') {
    try { body.payload = JSON.parse(payloadText) } catch (err) {
      const { line, column } = jsonErrorPosition(err, payloadText)
      say('error', `Payload: not valid JSON at line ${line}, column ${column}.`)
      return
    }
  }
  const user = userInput()
  if (user !== undefined) body.user = user
  const button = document.getElementById('run-test')
  button.disabled = true
  button.textContent = 'Testing…'
  try {
    const { status, json } = await api('/studio/api/test', body)
    if (status !== 200) {
      say('error', json.error ?? `The test could not run (${status})`, problemLines(json.problems))
      return
    }
    messages.replaceChildren()
    const result = document.getElementById('test-result')
    result.hidden = false
    const statusOut = document.getElementById('test-status')
    statusOut.textContent = String(json.status)
    statusOut.className = `status s${String(json.status)[0]}`
    fillTable(document.getElementById('test-headers-table'), Object.entries(json.headers))
    let text = json.body
    try { text = JSON.stringify(JSON.parse(text), null, 2) } catch { /* not JSON: shown as it came */ }
    document.getElementById('test-body').textContent = text + (json.truncated ? '\n…[truncated]' : '')
    document.getElementById('debug-section').hidden = json.debug === null
    if (json.debug !== null) fillTable(document.getElementById('debug-table'), Object.entries(json.debug))
    statusOut.scrollIntoView({ block: 'nearest' })
  } finally {
    button.disabled = false
    button.textContent = 'Test connection'
  }
}

async function save () {
  const def = current()
  if (def === undefined) return
  const { status, json } = await api('/studio/api/save', { definition: def, replaces })
  if (json.saved === true) {
    replaces = json.permalink ?? replaces
    root.dataset.replaces = replaces
    if (json.href !== undefined && json.href !== window.location.pathname) window.history.replaceState(null, '', json.href)
  }
  if (status === 200) say('ok', 'Saved. The gateway now serves this definition.')
  else say('error', json.error ?? 'Not saved: the registry would be invalid.', problemLines(json.problems))
}

showFormButton.addEventListener('click', showForm)
showCodeButton.addEventListener('click', showCode)
document.getElementById('validate').addEventListener('click', () => { validate().catch(err => say('error', `Validate failed: ${err.message}`)) })
document.getElementById('run-test').addEventListener('click', () => { runTest().catch(err => say('error', `Test connection failed: ${err.message}`)) })
document.getElementById('save').addEventListener('click', () => { save().catch(err => say('error', `Save failed: ${err.message}`)) })
drawForm()
