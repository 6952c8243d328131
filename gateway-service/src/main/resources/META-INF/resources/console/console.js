// The Stagecraft console: a page per route of the location's hash, built only on the public REST API (/api) and
// its Server-Sent Events. The API token stays in this tab's sessionStorage; event and log streams open with a
// short-lived stream ticket, since a browser's EventSource cannot send the Authorization header. Everything the API
// returns is put on the page as text, never as markup.
'use strict';

(() => {
  const TOKEN_KEY = 'stagecraft.token';
  const STATES = ['PENDING', 'QUEUED', 'BUILDING', 'SETTING_UP', 'PATCHING', 'READY', 'PAUSING', 'PAUSED', 'RESUMING', 'FAILED',
    'TEARING_DOWN', 'DELETED'];
  const ROLES = ['viewer', 'deployer', 'admin'];
  const main = document.getElementById('main');

  let me = null;          // GET /api/me of the signed-in token
  let leaving = [];       // what the current page must close when another one is shown (streams, timers)

  // ---- building the page -------------------------------------------------------------------------------------

  /** An element with attributes (on* given functions become listeners) and children (strings become text). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function show(...children) {
    main.replaceChildren();
    append(main, children);
  }

  function badge(text) {
    return h('span', { class: 'badge ' + (text || '') }, text || '-');
  }

  function when(iso) {
    if (!iso) return '-';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  function short(commit) {
    return commit ? commit.slice(0, 10) : '-';
  }

  /** A link only for http(s) addresses: an endpoint's URL comes from a template and is shown as text otherwise. */
  function outLink(url) {
    return /^https?:\/\//i.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url)
      : h('span', { class: 'mono' }, url);
  }

  /** An application's quotas in words; null: none of its own. */
  function limitsText(l) {
    if (!l) return 'none of its own (the installation\u2019s apply)';
    return (l.maxRunningEnvironments ? l.maxRunningEnvironments + ' running environments' : 'any number running')
      + ' (past it: ' + (l.overflow || 'the installation\u2019s policy') + '), '
      + (l.maxConcurrentBuilds ? l.maxConcurrentBuilds + ' concurrent builds' : 'any number of builds');
  }

  /** Where an environment waits: its place in the queue for a running slot, or for a build slot; null otherwise. */
  function waitingText(env) {
    if (env.queuePosition) return 'position ' + env.queuePosition + ' in the queue';
    if (env.buildQueuePosition) return 'waiting for a build slot (position ' + env.buildQueuePosition + ')';
    return null;
  }

  /** A pause schedule in words. */
  function scheduleText(s) {
    if (!s) return 'none';
    return s.weekendsOnly ? 'weekends (Saturday 00:00 to Monday 00:00, ' + s.timezone + ')'
      : 'every day ' + s.pauseAt + ' to ' + s.resumeAt + ' (' + s.timezone + ')';
  }

  function errorBox(e) {
    return h('div', { class: 'error', role: 'alert' }, e.message || String(e));
  }

  function may(role) {
    return me && ROLES.indexOf(me.role) >= ROLES.indexOf(role);
  }

  // ---- the API ---------------------------------------------------------------------------------------------

  class ApiFailure extends Error {
    constructor(status, body) {
      super((body && body.message) || ('HTTP ' + status));
      this.status = status;
      this.body = body || {};
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** One API call; the JSON body, with the response's next-page cursor as {@code next} when a page is returned. */
  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + token(), Accept: 'application/json, */*;q=0.5' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiFailure(0, { message: 'the gateway cannot be reached: ' + e.message });
    }
    const type = response.headers.get('Content-Type') || '';
    const data = response.status === 204 ? null
      : type.includes('json') ? await response.json().catch(() => null) : await response.text();
    if (response.status === 401 && token()) {
      signOut('Your token is no longer accepted: ' + ((data && data.message) || 'unauthenticated') + '.');
      throw new ApiFailure(401, data);
    }
    if (!response.ok) throw new ApiFailure(response.status, typeof data === 'object' ? data : { message: data });
    return { data, next: response.headers.get('X-Next-Cursor') };
  }

  /**
   * An event or log stream that stays open: a new stream ticket for every (re)connection, resumed after the last
   * event it got ({@code lastEventId}), and closed when the page changes.
   */
  class Stream {
    constructor(path, onEvent, onState, names) {
      this.path = path;
      this.onEvent = onEvent;
      this.onState = onState || (() => {});
      this.names = names || [];
      this.lastId = null;
      this.closed = false;
      this.failures = 0;    // connections in a row that closed without ever opening
      this.retry = null;
      leaving.push(() => this.close());
      this.open();
    }

    async open() {
      if (this.closed) return;
      let ticket;
      try {
        ticket = (await api('POST', '/api/stream-tickets')).data.ticket;
      } catch (e) {
        this.onState(false);
        if (e.status !== 401) this.retry = setTimeout(() => this.open(), 3000);
        return;
      }
      if (this.closed) return;
      const url = new URL(this.path, location.origin);
      url.searchParams.set('ticket', ticket);
      if (this.lastId) url.searchParams.set(this.path.includes('/logs/') ? 'after' : 'lastEventId', this.lastId);
      const source = new EventSource(url.pathname + url.search);
      this.source = source;
      const deliver = e => {
        if (e.lastEventId) this.lastId = e.lastEventId;
        let data = null;
        try { data = JSON.parse(e.data); } catch (ignored) { data = e.data; }
        this.onEvent(e.type, data);
      };
      source.onmessage = deliver;
      this.names.forEach(name => source.addEventListener(name, deliver));
      source.onopen = () => {
        this.failures = 0;
        this.onState(true);
      };
      source.onerror = () => {
        this.onState(false);
        // the browser reconnects by itself with the same URL, whose ticket may have expired: it then gives up
        // (CLOSED), and the stream opens again with a new ticket from where it was; a stream that keeps being
        // refused (gone, or no longer allowed) is left closed
        if (source.readyState === EventSource.CLOSED && !this.closed && ++this.failures <= 5) {
          this.retry = setTimeout(() => this.open(), 1000 * this.failures);
        }
      };
    }

    close() {
      this.closed = true;
      clearTimeout(this.retry);
      if (this.source) this.source.close();
    }
  }

  function liveMark() {
    const mark = h('span', { class: 'live off', id: 'live' }, 'connecting');
    return {
      el: mark,
      set(on) {
        mark.className = 'live ' + (on ? 'on' : 'off');
        mark.textContent = on ? 'live' : 'reconnecting';
      },
    };
  }

  // ---- signing in and out ---------------------------------------------------------------------------------------

  let loginReason = null;  // why the sign-in page is shown again, said once on it
  let afterLogin = null;   // the page asked for before signing in

  function signOut(reason) {
    sessionStorage.removeItem(TOKEN_KEY);
    me = null;
    loginReason = reason;
    if (location.hash === '#/login') render();
    else location.hash = '#/login';
  }

  function loginPage() {
    const reason = loginReason;
    loginReason = null;
    document.getElementById('nav').hidden = true;
    document.getElementById('sign-out').hidden = true;
    document.getElementById('who').textContent = '';
    const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true,
      placeholder: 'sc_…' });
    const problem = h('div');
    const form = h('form', { class: 'stack panel', id: 'login-form' },
      h('label', {}, 'API token', input),
      h('p', { class: 'muted' }, 'A token from POST /api/tokens, or `stagecraft tokens create`. It is kept in this tab only.'),
      h('div', {}, h('button', { type: 'submit', class: 'primary', id: 'sign-in' }, 'Sign in')));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      try {
        me = (await api('GET', '/api/me')).data;
        const target = afterLogin || '#/environments';
        afterLogin = null;
        if (location.hash === target) render();
        else location.hash = target;
      } catch (failure) {
        sessionStorage.removeItem(TOKEN_KEY);
        problem.replaceChildren(errorBox(failure));
      }
    });
    show(h('div', { class: 'login' }, h('h1', {}, 'Sign in to Stagecraft'), reason ? h('div', { class: 'error' }, reason)
      : null, problem, form));
    input.focus();
  }

  // ---- environments ---------------------------------------------------------------------------------------------

  async function environmentsPage(params) {
    const filters = { application: params.get('application') || '', state: params.get('state') || '',
      branch: params.get('branch') || '' };
    const apps = (await api('GET', '/api/applications?limit=200')).data;
    const appSelect = h('select', { name: 'application', id: 'filter-application' }, h('option', { value: '' }, 'all'),
      apps.map(a => h('option', { value: a.name, selected: a.name === filters.application }, a.name)));
    const stateSelect = h('select', { name: 'state', id: 'filter-state' }, h('option', { value: '' }, 'all'),
      STATES.map(s => h('option', { value: s, selected: s === filters.state }, s)));
    const branchInput = h('input', { name: 'branch', id: 'filter-branch', value: filters.branch, placeholder: 'any' });
    const filterForm = h('form', { class: 'inline' },
      h('label', {}, 'Application', appSelect), h('label', {}, 'State', stateSelect),
      h('label', {}, 'Branch', branchInput), h('button', { type: 'submit' }, 'Filter'));
    filterForm.addEventListener('submit', e => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (appSelect.value) q.set('application', appSelect.value);
      if (stateSelect.value) q.set('state', stateSelect.value);
      if (branchInput.value.trim()) q.set('branch', branchInput.value.trim());
      location.hash = '#/environments' + (q.toString() ? '?' + q : '');
    });
    const body = h('tbody', { id: 'environments' });
    const more = h('div', { class: 'more' });
    const problem = h('div');
    const live = liveMark();
    const query = new URLSearchParams();
    Object.entries(filters).forEach(([k, v]) => v && query.set(k, v));

    async function load(after) {
      if (after) paged = true;
      const q = new URLSearchParams(query);
      q.set('limit', '50');
      if (after) q.set('after', after);
      try {
        const page = await api('GET', '/api/environments?' + q);
        if (!after) body.replaceChildren();
        page.data.forEach(env => body.append(environmentRow(env)));
        if (!after && page.data.length === 0) {
          body.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No environment matches.')));
        }
        more.replaceChildren(page.next ? h('button', { type: 'button', onclick: () => load(page.next) }, 'More') : '');
        problem.replaceChildren();
      } catch (e) {
        problem.replaceChildren(errorBox(e));
      }
    }

    let pending = null;
    let paged = false;
    new Stream('/api/events?named=false', () => {
      // the first page follows the lifecycle; once more pages are shown, the list stays as loaded
      if (pending || paged) return;
      pending = setTimeout(() => { pending = null; load(); }, 400);
    }, on => live.set(on));
    leaving.push(() => clearTimeout(pending));

    show(h('h1', {}, 'Environments', live.el),
      may('deployer') ? createEnvironmentForm(apps) : null,
      filterForm, problem,
      h('table', {}, h('thead', {}, h('tr', {}, ['Application', 'Branch', 'Pull request', 'State', 'Deployed',
        'Endpoints', 'Updated'].map(c => h('th', {}, c)))), body), more);
    await load();
  }

  function environmentRow(env) {
    const link = '#/environments/' + encodeURIComponent(env.id);
    return h('tr', { 'data-environment': env.id },
      h('td', {}, h('a', { href: link }, env.application)),
      h('td', {}, h('a', { href: link }, env.branch || '-')),
      h('td', {}, env.pullRequest ? '#' + env.pullRequest : '-'),
      h('td', {}, badge(env.state), env.awaitingApproval ? h('span', { class: 'muted' }, ' awaiting approval') : null,
        waitingText(env) ? h('span', { class: 'muted queue-position' }, ' ' + waitingText(env)) : null),
      h('td', { class: 'mono' }, short(env.deployedCommit)),
      h('td', {}, Object.values(env.endpoints || {}).map(u => h('div', {}, outLink(u)))),
      h('td', {}, when(env.updatedAt)));
  }

  function createEnvironmentForm(apps) {
    const app = h('select', { name: 'application', required: true }, apps.map(a => h('option', { value: a.name }, a.name)));
    const branch = h('input', { name: 'branch', required: true, placeholder: 'main' });
    const problem = h('div');
    const form = h('form', { class: 'inline panel', id: 'create-environment' },
      h('label', {}, 'Application', app), h('label', {}, 'Branch', branch),
      h('button', { type: 'submit', class: 'primary' }, 'Create environment'), problem);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      try {
        const created = (await api('POST', '/api/environments', { application: app.value, branch: branch.value.trim() })).data;
        location.hash = '#/environments/' + encodeURIComponent(created.id);
      } catch (failure) {
        problem.replaceChildren(errorBox(failure));
      }
    });
    return apps.length ? form : null;
  }

  async function environmentPage(id) {
    const header = h('h1', {});
    const notice = h('div', { id: 'notice' });
    const facts = h('div', { class: 'panel' });
    const actions = h('div', { class: 'actions', id: 'actions' });
    const workflows = h('tbody', { id: 'workflows' });
    const tasks = h('tbody', { id: 'tasks' });
    const logs = h('pre', { class: 'logs', id: 'logs' });
    const workflowTitle = h('h2', {}, 'Workflow');
    const timeline = h('ul', { class: 'timeline', id: 'timeline' });
    const live = liveMark();
    let env = null;
    let selected = null;    // the workflow shown; null: follow the environment's latest
    let pinned = false;
    let logStream = null;
    let refreshing = null;

    async function refresh() {
      try {
        env = (await api('GET', '/api/environments/' + encodeURIComponent(id))).data;
      } catch (e) {
        notice.replaceChildren(errorBox(e));
        return;
      }
      header.replaceChildren(env.application + ' · ' + (env.pullRequest ? 'pull request #' + env.pullRequest : env.branch),
        h('span', { id: 'env-state' }, badge(env.state)), live.el);
      facts.replaceChildren(h('dl', { class: 'facts' },
        h('dt', {}, 'Branch'), h('dd', {}, env.branch || '-'),
        h('dt', {}, 'Kind'), h('dd', {}, env.kind),
        h('dt', {}, 'Desired commit'), h('dd', { class: 'mono' }, env.desiredCommit || '-'),
        h('dt', {}, 'Deployed commit'), h('dd', { class: 'mono' }, env.deployedCommit || '-'),
        h('dt', {}, 'Endpoints'), h('dd', { id: 'endpoints' }, Object.keys(env.endpoints || {}).length
          ? Object.entries(env.endpoints).map(([name, url]) => h('div', {}, name + ': ', outLink(url))) : '-'),
        h('dt', {}, 'Expires'), h('dd', {}, when(env.expiresAt)),
        h('dt', {}, 'Pause schedule'), h('dd', { id: 'pause-schedule' }, scheduleText(env.pauseSchedule)
          + (env.pauseScheduleFrom ? ' (' + env.pauseScheduleFrom + ')' : '')
          + (env.pausedBy === 'idle' ? '; asleep: the next request wakes it'
            : env.pausedBy ? '; paused by ' + env.pausedBy : '')),
        h('dt', {}, 'Last request'), h('dd', {}, when(env.lastRequestAt)),
        env.imports && env.imports.length ? [h('dt', {}, 'Imports'), h('dd', { id: 'imports' },
          env.imports.map(i => h('div', { class: 'mono' }, i.application + ' ' + i.branch + '@'
            + String(i.commit || '').slice(0, 7))))] : null,
        waitingText(env) ? [h('dt', {}, 'Waiting'), h('dd', { id: 'queue-position' }, waitingText(env)
          + (env.queuePosition ? ': it is built once a running environment of ' + env.application + ' stops' : ''))]
          : null,
        env.quotaNote ? [h('dt', {}, 'Quota'), h('dd', { id: 'quota-note' }, env.quotaNote)] : null,
        env.failureReason ? [h('dt', {}, 'Failure'), h('dd', { class: 'error' }, env.failureReason)] : null,
        env.awaitingApproval ? [h('dt', {}, 'Approval'), h('dd', {}, 'This pull request comes from a fork: a deployer'
          + ' must approve the commit ' + short(env.desiredCommit) + ' before it is built.')] : null,
        (env.runAsRoot || []).length ? [h('dt', {}, 'Runs as root'), h('dd', {}, env.runAsRoot.join(', '))] : null));
      renderActions();
      workflows.replaceChildren(...[...(env.workflows || [])].reverse().map(wf => h('tr', {
        class: 'clickable' + (selected === wf.id ? ' selected' : ''), 'data-workflow': wf.id,
        onclick: () => { pinned = true; showWorkflow(wf.id); },
      }, h('td', {}, wf.stage), h('td', {}, badge(wf.status)), h('td', { class: 'mono' }, short(wf.commit)),
      h('td', {}, when(wf.startedAt)), h('td', {}, wf.reason || ''))));
      if (!(env.workflows || []).length) workflows.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'None yet.')));
      const latest = env.activeWorkflow || (env.workflows || []).map(w => w.id).pop();
      if (!pinned && latest && latest !== selected) showWorkflow(latest);
      else if (selected) loadTasks(selected);
    }

    function later() {
      if (refreshing) return;
      refreshing = setTimeout(() => { refreshing = null; refresh(); }, 250);
    }

    function renderActions() {
      actions.replaceChildren();
      if (!may('deployer') || !env || env.state === 'DELETED' || env.state === 'TEARING_DOWN') return;
      const act = (label, path, body, options) => h('button', Object.assign({ type: 'button', onclick: async e => {
        e.target.disabled = true;
        try {
          await api(options && options.method || 'POST', '/api/environments/' + encodeURIComponent(id) + path, body);
          notice.replaceChildren(h('div', { class: 'notice' }, label + ': accepted.'));
          later();
        } catch (failure) {
          notice.replaceChildren(errorBox(failure));
        } finally {
          e.target.disabled = false;
        }
      } }, options && options.attrs), label);
      const paused = ['PAUSING', 'PAUSED', 'RESUMING'].includes(env.state);
      actions.append(act('Deploy', '/deploy', {}, { attrs: { id: 'action-deploy' } }));
      if (!paused) actions.append(act('Re-run setup', '/setup', undefined, { attrs: { id: 'action-setup' } }));
      if (env.state === 'READY') actions.append(act('Pause', '/pause', undefined, { attrs: { id: 'action-pause' } }));
      const last = (env.workflows || [])[(env.workflows || []).length - 1];
      const pauseFailed = env.state === 'FAILED' && !env.activeWorkflow && last
        && (last.stage === 'PAUSE' || last.stage === 'RESUME');
      if (env.state === 'PAUSED' || pauseFailed) {
        actions.append(act('Resume', '/resume', undefined, { attrs: { id: 'action-resume', class: 'primary' } }));
      }
      if (env.kind === 'EPHEMERAL') actions.append(act('Extend', '/extend', {}, { attrs: { id: 'action-extend' } }));
      if (env.awaitingApproval) {
        actions.append(act('Approve ' + short(env.desiredCommit), '/approve', { commit: env.desiredCommit },
          { attrs: { id: 'action-approve', class: 'primary' } }));
      }
      const confirmDelete = act('Delete environment', '', undefined,
        { method: 'DELETE', attrs: { id: 'action-delete-confirm', class: 'danger primary' } });
      const askDelete = h('button', { type: 'button', id: 'action-delete', class: 'danger', onclick: () => {
        askDelete.replaceWith(h('span', { class: 'actions' }, h('span', {}, 'Delete it and everything it runs?'),
          confirmDelete, h('button', { type: 'button', onclick: renderActions }, 'Cancel')));
      } }, 'Delete');
      actions.append(askDelete);
    }

    function showWorkflow(workflowId) {
      selected = workflowId;
      workflows.querySelectorAll('tr').forEach(tr => tr.classList.toggle('selected', tr.dataset.workflow === workflowId));
      workflowTitle.textContent = 'Workflow ' + workflowId;
      logs.replaceChildren();
      if (logStream) logStream.close();
      const stream = new Stream('/api/workflows/' + encodeURIComponent(workflowId) + '/logs/stream', (type, line) => {
        if (type === 'end') {
          stream.close(); // the workflow is over and all its output was sent: no reconnecting
          return;
        }
        if (type !== 'log' || selected !== workflowId) return;
        const follow = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 20;
        logs.append(h('span', { class: 'src' }, '[' + (line.source || '-') + '] '), line.line, '\n');
        if (follow) logs.scrollTop = logs.scrollHeight;
      }, null, ['log', 'end']);
      logStream = stream;
      loadTasks(workflowId);
    }

    async function loadTasks(workflowId) {
      try {
        const detail = (await api('GET', '/api/workflows/' + encodeURIComponent(workflowId))).data;
        if (selected !== workflowId) return;
        tasks.replaceChildren(...detail.tasks.map(t => h('tr', {}, h('td', { class: 'mono' }, t.task),
          h('td', {}, badge(t.status)), h('td', {}, t.message || ''))));
        if (!detail.tasks.length) tasks.append(h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No task yet.')));
      } catch (e) {
        tasks.replaceChildren(h('tr', {}, h('td', { colspan: 3 }, errorBox(e))));
      }
    }

    function timelineItem(type, at, detail) {
      const name = (type || '').replace(/^dev\.stagecraft\./, '').replace(/\.v\d+$/, '');
      const summary = detail && typeof detail === 'object'
        ? ['state', 'status', 'reason', 'commit', 'task', 'message'].filter(k => detail[k]).map(k => k + ': ' + detail[k]).join(' · ')
        : '';
      return h('li', {}, h('span', { class: 'at' }, when(at)), h('span', {}, h('code', {}, name), summary ? ' ' + summary : ''));
    }

    await refresh();
    if (!env) {
      show(h('h1', {}, 'Environment ' + id), notice);
      return;
    }
    timeline.replaceChildren(...[...(env.timeline || [])].reverse().map(e => timelineItem(e.type, e.at, e.detail)));
    new Stream('/api/environments/' + encodeURIComponent(id) + '/events?named=false', (type, event) => {
      if (!event || typeof event !== 'object') return;
      if (!/^dev\.stagecraft\.workflow\.progressed\./.test(event.type || '')) {
        timeline.prepend(timelineItem(event.type, event.time, event.data));
      }
      later();
    }, on => live.set(on));
    leaving.push(() => { clearTimeout(refreshing); if (logStream) logStream.close(); });

    show(header, notice, actions, facts,
      h('div', { class: 'cols' },
        h('div', {}, h('h2', {}, 'Workflows'), h('table', {}, h('thead', {}, h('tr', {},
          ['Stage', 'Status', 'Commit', 'Started', 'Reason'].map(c => h('th', {}, c)))), workflows)),
        h('div', {}, h('h2', {}, 'Timeline'), h('div', { class: 'panel' }, timeline))),
      workflowTitle, h('table', {}, h('thead', {}, h('tr', {}, ['Task', 'Status', 'Message'].map(c => h('th', {}, c)))),
        tasks),
      h('h2', {}, 'Output'), logs);
  }

  // ---- applications ---------------------------------------------------------------------------------------------

  async function applicationsPage() {
    const apps = (await api('GET', '/api/applications?limit=200')).data;
    show(h('h1', {}, 'Applications', may('admin')
      ? h('a', { href: '#/applications/new', id: 'register-link', class: 'live' }, 'Register an application') : null),
    h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Repository', 'Host', 'Runtime', 'Services', 'Template', 'Registered']
      .map(c => h('th', {}, c)))),
    h('tbody', { id: 'applications' }, apps.length ? apps.map(a => h('tr', {},
      h('td', {}, h('a', { href: '#/applications/' + encodeURIComponent(a.id) }, a.name)),
      h('td', { class: 'mono' }, a.repository.url), h('td', {}, a.repository.provider), h('td', {}, a.runtime),
      h('td', {}, (a.services || []).join(', ')), h('td', {}, a.templateFormat), h('td', {}, when(a.createdAt))))
      : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No application yet.')))));
  }

  async function applicationPage(id) {
    const app = (await api('GET', '/api/applications/' + encodeURIComponent(id))).data;
    const generated = (await api('GET', '/api/applications/' + encodeURIComponent(id) + '/template')).data;
    show(h('h1', {}, app.name),
      h('div', { class: 'panel' }, h('dl', { class: 'facts' },
        h('dt', {}, 'Repository'), h('dd', { class: 'mono' }, app.repository.url),
        h('dt', {}, 'Host'), h('dd', {}, app.repository.provider),
        h('dt', {}, 'Runtime'), h('dd', {}, app.runtime),
        h('dt', {}, 'Services'), h('dd', {}, (app.services || []).join(', ') || '-'),
        h('dt', {}, 'Pull request label'), h('dd', {}, app.pullRequestLabel || 'none: every pull request'),
        h('dt', {}, 'Pause schedule'), h('dd', {}, scheduleText(app.pauseSchedule)),
        h('dt', {}, 'Sleeps when idle for'), h('dd', {}, app.sleepAfter || 'never'),
        h('dt', {}, 'Limits'), h('dd', { id: 'limits' }, limitsText(app.limits)),
        h('dt', {}, 'Variables'), h('dd', {}, app.environmentVariables
          ? h('pre', { class: 'template' }, app.environmentVariables) : 'none'),
        h('dt', {}, 'Environments'), h('dd', {}, h('a', { href: '#/environments?application=' + encodeURIComponent(app.name) },
          'environments of ' + app.name)))),
      may('admin') ? limitsForm(app) : null,
      (app.warnings || []).length ? [h('h2', {}, 'Warnings'), problemList(app.warnings)] : null,
      app.templateFormat === 'compose'
        ? [h('h2', {}, 'Compose file, as registered'), h('pre', { class: 'template', id: 'template-source' }, app.template),
          h('h2', {}, 'Application Template generated from it'), h('pre', { class: 'template', id: 'template' }, generated)]
        : [h('h2', {}, 'Application Template'), h('pre', { class: 'template', id: 'template' }, generated)]);
  }

  /** Sets or removes an application's quotas (admin); the gateway checks the numbers and the policy. */
  function limitsForm(app) {
    const l = app.limits || {};
    const number = (name, value) => h('input', { name, type: 'number', min: 1, value: value || '', placeholder: 'no limit' });
    const running = number('maxRunningEnvironments', l.maxRunningEnvironments);
    const builds = number('maxConcurrentBuilds', l.maxConcurrentBuilds);
    const overflow = h('select', { name: 'overflow' }, [['', 'the installation\u2019s policy'], ['queue', 'queue'],
      ['evict', 'evict']].map(([v, t]) => h('option', Object.assign({ value: v }, l.overflow === v ? { selected: true } : {}), t)));
    const problem = h('div');
    const remove = h('button', { type: 'button', onclick: async () => {
      try {
        await api('DELETE', '/api/applications/' + encodeURIComponent(app.id) + '/limits');
        render();
      } catch (failure) {
        problem.replaceChildren(errorBox(failure));
      }
    } }, 'Remove limits');
    const form = h('form', { class: 'inline panel', id: 'limits-form' },
      h('label', {}, 'Running environments', running), h('label', {}, 'Concurrent builds', builds),
      h('label', {}, 'Past the limit', overflow),
      h('button', { type: 'submit', class: 'primary' }, 'Save limits'), remove, problem);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const value = input => input.value === '' ? null : Number(input.value);
      try {
        await api('PUT', '/api/applications/' + encodeURIComponent(app.id) + '/limits', {
          maxRunningEnvironments: value(running), maxConcurrentBuilds: value(builds), overflow: overflow.value || null,
        });
        render();
      } catch (failure) {
        problem.replaceChildren(errorBox(failure));
      }
    });
    return [h('h2', {}, 'Limits'), form];
  }

  function problemList(problems) {
    return h('ul', { class: 'panel' }, problems.map(p => h('li', {}, badge(p.severity),
      ' ' + (p.file || 'template') + (p.line ? ':' + p.line + ':' + p.column : '') + (p.path ? ' (' + p.path + ')' : '')
      + ' ' + p.message)));
  }

  /** The template with its lines numbered and each problem under the line it is at. */
  function annotated(text, problems) {
    const byLine = new Map();
    const elsewhere = [];
    problems.forEach(p => {
      if (p.line > 0) byLine.set(p.line, (byLine.get(p.line) || []).concat(p));
      else elsewhere.push(p);
    });
    const listing = h('div', { class: 'listing', id: 'template-problems' });
    text.split('\n').forEach((line, i) => {
      const at = byLine.get(i + 1) || [];
      listing.append(h('div', { class: 'ln' + (at.length ? ' problem' : ''), 'data-line': i + 1 },
        h('span', {}, i + 1), h('span', {}, line)));
      at.forEach(p => listing.append(h('span', { class: 'msg ' + p.severity },
        '\u2191 ' + (p.column ? 'column ' + p.column + ': ' : '') + p.message + (p.path ? ' (' + p.path + ')' : ''))));
    });
    return [elsewhere.length ? problemList(elsewhere) : null, listing];
  }

  function registerPage() {
    const field = (label, input) => h('label', {}, label, input);
    const name = h('input', { name: 'name', required: true, pattern: '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?',
      placeholder: 'shop' });
    const url = h('input', { name: 'repository', required: true, placeholder: 'https://github.com/acme/shop.git' });
    const provider = h('select', { name: 'provider' }, ['github', 'gitlab', 'bitbucket'].map(p => h('option', { value: p }, p)));
    const secret = h('input', { name: 'webhookSecret', type: 'password', required: true, minlength: 8,
      autocomplete: 'new-password' });
    const runtime = h('input', { name: 'runtime', placeholder: 'the installation\u2019s default' });
    const label = h('input', { name: 'pullRequestLabel', placeholder: 'none: every pull request' });
    const template = h('textarea', { name: 'template', required: true, spellcheck: 'false',
      placeholder: 'A Release Application Template, or a docker-compose file' });
    const variables = h('textarea', { name: 'environmentVariables', spellcheck: 'false', class: 'short',
      placeholder: 'Release environment variables (YAML), optional' });
    const problem = h('div', { id: 'register-problem' });
    const form = h('form', { class: 'stack', id: 'register-form' },
      field('Name', name), field('Repository URL', url), field('Git host', provider),
      field('Webhook secret', secret), field('Runtime', runtime), field('Pull request label', label),
      field('Template (Release format or docker-compose)', template), field('Environment variables', variables),
      h('div', {}, h('button', { type: 'submit', class: 'primary' }, 'Register')));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const body = {
        name: name.value.trim(), repository: { url: url.value.trim(), provider: provider.value },
        webhookSecret: secret.value, template: template.value,
        environmentVariables: variables.value.trim() || null, runtime: runtime.value.trim() || null,
        pullRequestLabel: label.value.trim() || null,
      };
      try {
        const created = (await api('POST', '/api/applications', body)).data;
        location.hash = '#/applications/' + encodeURIComponent(created.id);
      } catch (failure) {
        const problems = failure.body && Array.isArray(failure.body.details) ? failure.body.details : [];
        problem.replaceChildren();
        append(problem, [errorBox(failure), problems.length ? annotated(template.value, problems) : null]);
        problem.scrollIntoView();
      }
    });
    show(h('h1', {}, 'Register an application'), problem, h('div', { class: 'panel' }, form));
  }

  // ---- deliveries ----------------------------------------------------------------------------------------------

  async function deliveriesPage() {
    const body = h('tbody', { id: 'deliveries' });
    const more = h('div', { class: 'more' });
    async function load(after) {
      const page = await api('GET', '/api/deliveries?limit=50' + (after ? '&after=' + encodeURIComponent(after) : ''));
      page.data.forEach(d => body.append(h('tr', {},
        h('td', {}, when(d.receivedAt)), h('td', {}, d.provider), h('td', {}, d.event + (d.action ? ' / ' + d.action : '')),
        h('td', { class: 'mono' }, d.repository || '-'), h('td', {}, badge(d.outcome)), h('td', {}, d.reason || ''),
        h('td', {}, d.environmentId ? h('a', { href: '#/environments/' + encodeURIComponent(d.environmentId) }, 'environment')
          : '-'))));
      if (!after && !page.data.length) body.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No delivery yet.')));
      more.replaceChildren(page.next ? h('button', { type: 'button', onclick: () => load(page.next) }, 'More') : '');
    }
    show(h('h1', {}, 'Webhook deliveries'), h('table', {}, h('thead', {}, h('tr', {},
      ['Received', 'Host', 'Event', 'Repository', 'Outcome', 'Reason', ''].map(c => h('th', {}, c)))), body), more);
    await load();
  }

  // ---- datasets -------------------------------------------------------------------------------------------------

  /** The datasets' pools as the setup-service last reported them, one row per dataset and runtime. */
  async function datasetsPage() {
    const pools = (await api('GET', '/api/datasets')).data;
    show(h('h1', {}, 'Datasets'),
      h('p', { class: 'muted' }, 'Snapshots of databases an environment template may list: each setup checks out a ready'
        + ' copy instead of restoring a dump. Datasets are configured on the setup-service (stagecraft.datasets.<name>.*).'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Dataset', 'Runtime', 'Snapshot', 'Ready', 'Being made', 'Checked out',
        'Last refill error', 'Reported'].map(c => h('th', {}, c)))),
      h('tbody', { id: 'datasets' }, pools.length ? pools.map(p => h('tr', {},
        h('td', {}, p.name), h('td', {}, p.runtime),
        h('td', {}, badge(p.snapshot ? 'made' : 'not yet')),
        h('td', {}, p.ready + ' of ' + p.poolSize), h('td', {}, String(p.filling)), h('td', {}, String(p.checkedOut)),
        h('td', { class: 'mono' }, p.error || '-'), h('td', {}, when(p.observedAt))))
        : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No dataset reported: none is configured, or the'
          + ' setup-service has not reported yet.')))));
  }

  // ---- routing --------------------------------------------------------------------------------------------------

  async function render() {
    leaving.forEach(close => close());
    leaving = [];
    const [path, queryText] = location.hash.replace(/^#/, '').split('?');
    const params = new URLSearchParams(queryText || '');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (!token() || parts[0] === 'login') {
      if (token() && parts[0] === 'login') { location.hash = '#/environments'; return; }
      if (parts[0] && parts[0] !== 'login') afterLogin = location.hash;
      loginPage();
      return;
    }
    try {
      if (!me) me = (await api('GET', '/api/me')).data;
    } catch (e) {
      if (e.status !== 401) show(errorBox(e));
      return;
    }
    document.getElementById('nav').hidden = false;
    document.getElementById('sign-out').hidden = false;
    document.getElementById('who').textContent = me.token + ' (' + me.role + ')';
    document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('current', a.dataset.section === parts[0]));
    show(h('p', { class: 'muted' }, 'Loading…'));
    try {
      if (parts[0] === 'applications' && parts[1] === 'new') registerPage();
      else if (parts[0] === 'applications' && parts[1]) await applicationPage(parts[1]);
      else if (parts[0] === 'applications') await applicationsPage();
      else if (parts[0] === 'deliveries') await deliveriesPage();
      else if (parts[0] === 'datasets') await datasetsPage();
      else if (parts[0] === 'environments' && parts[1]) await environmentPage(parts[1]);
      else if (parts[0] === 'environments') await environmentsPage(params);
      else location.hash = '#/environments';
    } catch (e) {
      if (e.status !== 401) show(errorBox(e));
    }
  }

  document.getElementById('sign-out').addEventListener('click', () => signOut('Signed out.'));
  window.addEventListener('hashchange', () => render());
  render();
})();
