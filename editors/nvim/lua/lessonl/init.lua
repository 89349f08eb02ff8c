-- LessonL for Neovim: starts `lessonl serve` on Go/C/C++ buffers and drives
-- its commands (optimize, apply, cancel, lessons, report) from :Lessonl.
-- Works on Neovim 0.7.2 through 0.11; see lua/lessonl/compat.lua.
local compat = require('lessonl.compat')
local config = require('lessonl.config')
local progress = require('lessonl.progress')
local ui = require('lessonl.ui')

local api = vim.api
local levels = vim.log.levels

local M = {}

M.name = 'lessonl'
M.install_hint = 'go install github.com/lessonl/lessonl/cmd/lessonl@latest'

local MAX_MESSAGES = 2000

local state = {
  cfg = config.merge(config.defaults, {}),
  tracker = progress.new(),
  -- Our own lessonl.optimize requests still waiting for their result.
  pending = {},
  -- Results of lessonl.optimize, by uri then function name.
  results = {},
  last = nil,
  -- window/logMessage and window/showMessage from the server, oldest first.
  messages = {},
  -- The binary we already warned about (one warning per binary per session).
  warned = nil,
  -- nvim-notify style replace ids, by progress run.
  notes = {},
  -- 0.7 only: root_dir -> client id, since start_client never reuses.
  roots = {},
  -- window/showMessage texts already shown, with when (ms), so a command's
  -- error response that repeats one is not shown twice.
  shown = {},
}
M._state = state

local function notify(msg, level, opts)
  return vim.notify(msg, level or levels.INFO, vim.tbl_extend('force', { title = 'LessonL' }, opts or {}))
end

local function fire(pattern)
  pcall(api.nvim_exec_autocmds, 'User', { pattern = pattern, modeline = false })
end

local function is_nil(v)
  return v == nil or v == vim.NIL
end

-- Copies a decoded JSON value, turning vim.NIL into nil.
local function clean(v)
  if v == vim.NIL then
    return nil
  end
  if type(v) ~= 'table' then
    return v
  end
  local out = {}
  for k, x in pairs(v) do
    out[k] = clean(x)
  end
  return out
end

--- The effective options (a copy).
function M.config()
  return vim.deepcopy(state.cfg)
end

local function warn_missing(bin, again)
  if state.warned == bin and not again then
    return
  end
  state.warned = bin
  notify(string.format(
    "lessonl: the language server '%s' was not found, so LessonL is off. Install it with `%s` "
      .. "(and put $(go env GOPATH)/bin on PATH), or point the plugin at it: "
      .. "require('lessonl').setup({ server_path = '/path/to/lessonl' }). :checkhealth lessonl checks the setup.",
    bin, M.install_hint), levels.WARN)
end

--- True when the server binary can be run; warns (once) when it cannot.
--- again: warn even if already warned (the user asked for something).
function M.binary_ok(again)
  local bin = config.cmd(state.cfg)[1]
  if vim.fn.executable(bin) == 1 then
    return true
  end
  warn_missing(bin, again)
  return false
end

-- Server messages, kept for :Lessonl log.
local message_kinds = { 'ERROR', 'WARN', 'INFO', 'LOG' }
local function record(kind, result)
  if type(result) ~= 'table' or type(result.message) ~= 'string' then
    return
  end
  local t = message_kinds[result.type] or 'LOG'
  for _, line in ipairs(vim.split(result.message, '\n', { plain = true })) do
    state.messages[#state.messages + 1] = string.format('%s %-5s %s%s', os.date('%H:%M:%S'), t,
      kind == 'show' and '(shown) ' or '', line)
  end
  while #state.messages > MAX_MESSAGES do
    table.remove(state.messages, 1)
  end
end

-- The first word of an end message: completed, canceled or failed.
local function outcome(run)
  return type(run.message) == 'string' and run.message:match('^(%a+)') or nil
end

-- Progress display: fidget.nvim shows LSP progress itself; a notification
-- plugin (nvim-notify, noice) gets one notification updated in place; plain
-- Neovim gets begin/end as notifications and reports on the command line
-- only, where repeated notifications would pile up hit-enter prompts.
local function show_progress(ev, run)
  if compat.has_fidget() then
    return
  end
  local line = 'LessonL: ' .. progress.format(run)
  if ev == 'begin' then
    line = line .. ' (:Lessonl cancel to stop)'
  end
  local k = tostring(run.client_id) .. ':' .. tostring(run.token)
  if not compat.builtin_notify() then
    local ok, rec = pcall(notify, line, levels.INFO, { replace = state.notes[k], hide_from_history = ev == 'report' })
    state.notes[k] = ev ~= 'end' and ok and rec or nil
    return
  end
  if ev == 'report' then
    local width = math.max(10, (vim.v.echospace or vim.o.columns) - 1)
    pcall(api.nvim_echo, { { vim.fn.strcharpart(line, 0, width) } }, false, {})
  elseif ev == 'begin' then
    notify(line)
  elseif outcome(run) == 'canceled' then
    -- The server announces completed and failed runs itself (showMessage).
    notify(line)
  end
end

local function on_progress(result, ctx)
  if type(result) ~= 'table' then
    return
  end
  local ev, run = state.tracker:update(ctx.client_id, result.token, result.value)
  if not ev then
    return
  end
  show_progress(ev, run)
  fire('LessonlProgress')
  if ev == 'end' then
    -- The response follows the end; a cancelled one never reaches a handler.
    vim.defer_fn(function() M.running() end, 200)
  end
end

local function store_result(r)
  if type(r.uri) ~= 'string' or type(r.func) ~= 'string' then
    return
  end
  state.results[r.uri] = state.results[r.uri] or {}
  r.received = compat.uv.now()
  state.results[r.uri][r.func] = r
  state.last = r
end

local function fmt_x(v)
  if type(v) ~= 'number' then
    return '?'
  end
  return string.format('%.2f×', v)
end

--- One line describing a result.
function M.describe(r)
  local interval = ''
  if type(r.speedup_low) == 'number' and type(r.speedup_high) == 'number' then
    interval = string.format(' [%.2f, %.2f]', r.speedup_low, r.speedup_high)
  end
  local who = {}
  if r.agent and r.agent ~= '' then
    who[#who + 1] = r.agent
  end
  if r.round ~= nil then
    who[#who + 1] = 'round ' .. tostring(r.round)
  end
  local by = #who > 0 and (' (' .. table.concat(who, ', ') .. ')') or ''
  if r.verdict == 'faster' then
    return string.format('%s is %s faster%s%s', r.func, fmt_x(r.speedup), interval, by)
  end
  return string.format('no verified speedup for %s: best variant is %s, %s%s%s', r.func,
    tostring(r.verdict or 'unknown'), fmt_x(r.speedup), interval, by)
end

local REQUEST_CANCELLED = -32800

-- Whether the server already showed msg (as "LessonL: msg") in the last 10 s.
local function already_shown(msg)
  local now = compat.uv.now()
  for text, at in pairs(state.shown) do
    if now - at > 10000 then
      state.shown[text] = nil
    elseif text:find(msg, 1, true) then
      return true
    end
  end
  return false
end

local function err_text(err)
  return type(err) == 'table' and tostring(err.message) or tostring(err)
end

-- The outcome itself (faster, nothing found, failed) is announced by the
-- server's showMessage; the plugin stores the result and says what to do next.
local function on_optimize_result(err, result, req)
  if err then
    local canceled = (type(err) == 'table' and err.code == REQUEST_CANCELLED) or (req and req.canceled)
    if canceled then
      record('log', { type = 3, message = 'optimisation canceled' })
    elseif not already_shown(err_text(err)) then
      notify('LessonL: optimisation failed: ' .. err_text(err), levels.ERROR)
    end
    return
  end
  if is_nil(result) then
    return
  end
  local r = clean(result)
  store_result(r)
  if r.verdict == 'faster' then
    notify(string.format('LessonL: :Lessonl diff to review %s, :Lessonl apply to write it', r.func))
  end
end

-- The result of any lessonl command, including ones run from a code action
-- or code lens (they reach the client's workspace/executeCommand handler).
function M._on_command_result(err, result, ctx, req)
  local cmd = ctx and ctx.params and ctx.params.command
  if cmd == 'lessonl.optimize' then
    on_optimize_result(err, result, req)
  elseif err and not already_shown(err_text(err)) then
    notify(string.format('LessonL: %s failed: %s', tostring(cmd), err_text(err)), levels.ERROR)
  end
  fire('LessonlUpdate')
end

-- Per-client handlers: each records what the plugin needs, then hands over to
-- the global handler of the moment (which another plugin may have replaced).
function M.handlers()
  local function pass(method, ...)
    local h = vim.lsp.handlers[method]
    if h then
      return h(...)
    end
  end
  return {
    ['$/progress'] = function(err, result, ctx, cfg)
      on_progress(result, ctx)
      return pass('$/progress', err, result, ctx, cfg)
    end,
    ['window/logMessage'] = function(err, result, ctx, cfg)
      record('log', result)
      return pass('window/logMessage', err, result, ctx, cfg)
    end,
    -- The server announces outcomes and errors (with the fix) this way; they
    -- go through vim.notify on every version (0.7 only echoes them).
    ['window/showMessage'] = function(_, result, _, _)
      record('show', result)
      if type(result) == 'table' and type(result.message) == 'string' then
        state.shown[result.message] = compat.uv.now()
        local level = ({ levels.ERROR, levels.WARN, levels.INFO, levels.DEBUG })[result.type] or levels.INFO
        notify(result.message, level)
      end
      return vim.NIL
    end,
    ['workspace/executeCommand'] = function(err, result, ctx, cfg)
      M._on_command_result(err, result, ctx)
      if not err then
        return pass('workspace/executeCommand', err, result, ctx, cfg)
      end
    end,
  }
end

local function on_exit(code, signal, client_id)
  vim.schedule(function()
    state.tracker:drop_client(client_id)
    local lost = 0
    for k, req in pairs(state.pending) do
      if req.client_id == client_id then
        state.pending[k] = nil
        lost = lost + 1
      end
    end
    for root, id in pairs(state.roots) do
      if id == client_id then
        state.roots[root] = nil
      end
    end
    if lost > 0 or (code ~= 0 and code ~= nil) then
      notify(string.format('LessonL: the server exited (code %s, signal %s)%s; :Lessonl log lsp shows why',
        tostring(code), tostring(signal), lost > 0 and string.format(' with %d run(s) unfinished', lost) or ''),
        levels.WARN)
    end
    fire('LessonlUpdate')
  end)
end

--- The client configuration for a project root (vim.lsp.start / start_client).
function M.client_config(root_dir)
  local settings = config.settings(state.cfg)
  return {
    name = M.name,
    cmd = config.cmd(state.cfg),
    root_dir = root_dir,
    init_options = settings,
    settings = { lessonl = settings },
    handlers = M.handlers(),
    commands = M._client_commands(),
    on_attach = function(_, bufnr)
      compat.map_hover(bufnr)
    end,
    on_exit = on_exit,
  }
end

--- The configuration lsp/lessonl.lua returns for 0.11's vim.lsp.enable().
function M.lsp_config()
  local c = M.client_config(nil)
  c.name = nil -- vim.lsp.config names it after the file
  c.root_dir = nil
  c.root_markers = vim.deepcopy(config.root_markers)
  c.filetypes = vim.deepcopy(state.cfg.filetypes)
  -- vim.lsp.enable() starts the server from now on; the FileType autocmd
  -- stands back so there is one way in.
  state.via_enable = true
  M.binary_ok()
  return c
end

local function reuse_07(cfg)
  local id = state.roots[cfg.root_dir]
  local c = id and vim.lsp.get_client_by_id(id)
  if c and not compat.is_stopped(c) then
    return id
  end
end

local function ft_enabled(ft)
  return vim.tbl_contains(state.cfg.filetypes or {}, ft)
end

--- Starts or reuses the server for bufnr and attaches it. Returns the client
--- id, or nil (not a file buffer, or the binary is missing: one warning).
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  if not api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local fname = api.nvim_buf_get_name(bufnr)
  if fname == '' then
    return nil
  end
  local existing = compat.get_clients({ bufnr = bufnr, name = M.name })[1]
  if existing then
    return existing.id
  end
  if not M.binary_ok() then
    return nil
  end
  local root = compat.find_root(fname, config.root_markers)
  local id = compat.start(M.client_config(root), bufnr, reuse_07)
  if id then
    state.roots[root] = id
  end
  return id
end

-- FileType autocmd entry (plugin/lessonl.lua).
function M._on_filetype(bufnr, ft)
  if not ft_enabled(ft) then
    return
  end
  -- 0.11: a user who enabled lsp/lessonl.lua gets the client from there.
  if state.via_enable or (vim.lsp.is_enabled and vim.lsp.is_enabled(M.name)) then
    return
  end
  M.attach(bufnr)
end

--- Options over the defaults, validated. Never raises: invalid options are
--- reported (and the previous options kept); a missing binary only warns.
function M.setup(opts)
  local ok, err = config.validate(opts)
  if not ok then
    notify(err, levels.ERROR)
    return false
  end
  state.cfg = config.merge(config.defaults, opts)
  state.warned = nil
  if not M.binary_ok() then
    return true
  end
  -- Running servers get the new settings live.
  local settings = config.settings(state.cfg)
  for _, c in ipairs(compat.get_clients({ name = M.name })) do
    -- workspace/configuration answers from client.settings on 0.10+ and
    -- from client.config.settings before.
    c.config.settings = { lessonl = settings }
    if c.settings ~= nil then
      c.settings = { lessonl = settings }
    end
    compat.notify(c, 'workspace/didChangeConfiguration', { settings = { lessonl = settings } })
  end
  -- Buffers opened before setup (lazy loading) are attached now.
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and ft_enabled(vim.bo[b].filetype) then
      M._on_filetype(b, vim.bo[b].filetype)
    end
  end
  return true
end

-- The lessonl client of bufnr, starting it when start is set.
local function client_for(bufnr, start)
  local c = compat.get_clients({ bufnr = bufnr, name = M.name })[1]
  if c or not start then
    return c
  end
  local ft = vim.bo[bufnr].filetype
  if not ft_enabled(ft) then
    notify(string.format("LessonL: filetype '%s' is not enabled; the plugin handles %s (option filetypes)",
      ft, table.concat(state.cfg.filetypes, ', ')), levels.WARN)
    return nil
  end
  if not M.binary_ok(true) then
    return nil
  end
  local id = M.attach(bufnr)
  return id and vim.lsp.get_client_by_id(id)
end

-- Runs fn once the client has finished initialize (requests sent earlier
-- would overtake it on 0.7).
local function when_ready(client, fn)
  if compat.is_ready(client) then
    return fn()
  end
  local timer = compat.uv.new_timer()
  local waited, done = 0, false
  timer:start(50, 50, vim.schedule_wrap(function()
    if done then
      return
    end
    waited = waited + 50
    local ready, dead = compat.is_ready(client), compat.is_stopped(client) or waited > 30000
    if ready or dead then
      done = true
      timer:stop()
      timer:close()
      if ready then
        fn()
      else
        notify('LessonL: the server did not start; :Lessonl log lsp shows why', levels.ERROR)
      end
    end
  end))
end

local function pending_key(client_id, request_id)
  return tostring(client_id) .. ':' .. tostring(request_id)
end

-- Sends lessonl.optimize with arg ({ uri, position } or { uri, range }),
-- tracking the request so status(), running() and cancel() see it.
local function send_optimize(client, bufnr, arg)
  local params = { command = 'lessonl.optimize', arguments = { arg } }
  local req = { client_id = client.id, bufnr = bufnr, uri = arg.uri }
  local ok, id = compat.request(client, 'workspace/executeCommand', params, function(err, result, ctx)
    state.pending[pending_key(client.id, req.id)] = nil
    M._on_command_result(err, result, ctx, req)
    M.refresh_lenses(bufnr)
  end, bufnr)
  if not ok then
    notify('LessonL: the server is not running; :Lessonl log lsp shows why', levels.ERROR)
    return
  end
  req.id = id
  state.pending[pending_key(client.id, id)] = req
  fire('LessonlUpdate')
end

--- Optimizes the function under the cursor (opts.range = { line1, line2 }:
--- the function those lines start in).
function M.optimize(opts)
  opts = opts or {}
  local bufnr = api.nvim_get_current_buf()
  local win = api.nvim_get_current_win()
  local client = client_for(bufnr, true)
  if not client then
    return
  end
  local cursor = api.nvim_win_get_cursor(win)
  local uri = vim.uri_from_bufnr(bufnr)
  when_ready(client, function()
    local enc = client.offset_encoding or 'utf-16'
    local util = vim.lsp.util
    local arg = { uri = uri }
    if opts.range then
      local l1, l2 = opts.range[1], opts.range[2]
      local last = api.nvim_buf_get_lines(bufnr, l2 - 1, l2, false)[1] or ''
      arg.range = {
        start = { line = l1 - 1, character = 0 },
        ['end'] = { line = l2 - 1, character = util.character_offset(bufnr, l2 - 1, #last, enc) },
      }
    else
      local row, col = cursor[1] - 1, cursor[2]
      arg.position = { line = row, character = util.character_offset(bufnr, row, col, enc) }
    end
    send_optimize(client, bufnr, arg)
  end)
end

-- Forgets requests that are no longer pending although their handler never
-- ran: Neovim drops the response of a request the server cancelled
-- (RequestCancelled), but it does clear the request from client.requests.
local function prune_pending()
  local pruned = false
  for k, req in pairs(state.pending) do
    local c = vim.lsp.get_client_by_id(req.client_id)
    if not c or (req.id and type(c.requests) == 'table' and c.requests[req.id] == nil) then
      state.pending[k] = nil
      pruned = true
      record('log', { type = 3, message = 'optimisation request ' .. tostring(req.id) .. ' ended without a result' })
    end
  end
  if pruned then
    fire('LessonlUpdate')
  end
end

--- Number of optimisations running (ours waiting for a result, and server
--- progress not yet ended).
function M.running()
  prune_pending()
  local n = 0
  for _ in pairs(state.pending) do
    n = n + 1
  end
  return math.max(n, #state.tracker:active())
end

--- The most recent result, or nil.
function M.last_result()
  return state.last and vim.deepcopy(state.last)
end

--- Results for bufnr (default current), by function name.
function M.results(bufnr)
  local uri = vim.uri_from_bufnr(bufnr or api.nvim_get_current_buf())
  return vim.deepcopy(state.results[uri] or {})
end

--- A short line for statuslines: progress while running, else the last result.
function M.status()
  prune_pending()
  local runs = state.tracker:active()
  if #runs > 0 then
    return 'LessonL: ' .. progress.format(runs[#runs])
  end
  if next(state.pending) then
    return 'LessonL: optimizing…'
  end
  if state.last then
    return 'LessonL: ' .. (state.last.verdict == 'faster' and (state.last.func .. ' ' .. fmt_x(state.last.speedup))
      or (state.last.func .. ' ' .. tostring(state.last.verdict)))
  end
  return ''
end

-- The Go function around the cursor, as the server names it: Name,
-- T.Method or (*T).Method. Used when no name is given.
function M._go_func_at(bufnr, row)
  local lines = api.nvim_buf_get_lines(bufnr, 0, row, false)
  for i = #lines, 1, -1 do
    local l = lines[i]
    if l:match('^func[%s(]') then
      if i < #lines and l:match('}%s*$') then
        return nil -- a one-line function above the cursor
      end
      local recv, name = l:match('^func%s*(%b())%s*([%w_]+)')
      if recv then
        local inner = recv:sub(2, -2)
        local _, ptr, typ = inner:match('^%s*([%w_]+)%s+(%*?)%s*([%w_]+)')
        if not typ then
          ptr, typ = inner:match('^%s*(%*?)%s*([%w_]+)')
        end
        if typ then
          return ptr == '*' and ('(*' .. typ .. ').' .. name) or (typ .. '.' .. name)
        end
        return name
      end
      return l:match('^func%s+([%w_]+)')
    end
    if i < #lines and l:match('^}') then
      return nil -- we are below a function, not inside one
    end
  end
  return nil
end

-- The result whose function (its text when it was optimized) spans buffer
-- line row, for languages the plugin cannot parse: the original's first line
-- is looked up in the buffer and its length gives the function's extent.
function M._result_at(bufnr, row, results)
  local lines = api.nvim_buf_get_lines(bufnr, 0, -1, false)
  for _, r in pairs(results or {}) do
    if type(r.original) == 'string' and r.original ~= '' then
      local orig = vim.split(vim.trim(r.original), '\n', { plain = true })
      local first = vim.trim(orig[1])
      for i, l in ipairs(lines) do
        if vim.trim(l) == first and row >= i and row <= i + #orig - 1 then
          return r
        end
      end
    end
  end
  return nil
end

local function func_names(uri)
  local out = {}
  for f in pairs(state.results[uri] or {}) do
    out[#out + 1] = f
  end
  table.sort(out)
  return out
end

-- The function a subcommand is about: the diff buffer's, the named one, the
-- one around the cursor, or the file's latest result. Returns uri, func and
-- the plugin's result for it (nil when this session has none: the server
-- may still have one from an earlier session), or nil and a message.
local function target(func)
  local bufnr = api.nvim_get_current_buf()
  local ok, from_diff = pcall(api.nvim_buf_get_var, bufnr, 'lessonl_target')
  if ok and type(from_diff) == 'table' then
    local rs = state.results[from_diff.uri] or {}
    return from_diff.uri, from_diff.func, rs[from_diff.func]
  end
  local uri = vim.uri_from_bufnr(bufnr)
  local rs = state.results[uri] or {}
  if func then
    return uri, func, rs[func]
  end
  local row = api.nvim_win_get_cursor(0)[1]
  if vim.bo[bufnr].filetype == 'go' then
    local name = M._go_func_at(bufnr, row)
    if name then
      return uri, name, rs[name]
    end
  else
    local r = M._result_at(bufnr, row, rs)
    if r then
      return uri, r.func, r
    end
  end
  local latest
  for _, r in pairs(rs) do
    if not latest or r.received > latest.received then
      latest = r
    end
  end
  if latest then
    return uri, latest.func, latest
  end
  return nil, 'LessonL: no function here: put the cursor in a function or name it (:Lessonl {subcommand} FUNC)'
end

local function result_of(uri, func)
  return (state.results[uri] or {})[func]
end

-- A lessonl client that can serve uri: the one attached to its buffer, else
-- any lessonl client.
local function client_for_uri(uri)
  local bufnr = vim.uri_to_bufnr(uri)
  local c = compat.get_clients({ bufnr = bufnr, name = M.name })[1] or compat.get_clients({ name = M.name })[1]
  if not c and M.binary_ok(true) then
    notify('LessonL: the server is not running; open a Go file (or :Lessonl optimize) to start it', levels.ERROR)
  end
  return c, bufnr
end

-- Runs a server command; cb gets the (cleaned) result. Errors are shown
-- unless the server already showed them.
local function command(uri, name, args, cb)
  local c, bufnr = client_for_uri(uri)
  if not c then
    return
  end
  when_ready(c, function()
    local params = { command = name, arguments = args }
    local ok = compat.request(c, 'workspace/executeCommand', params, function(err, result, ctx)
      if err then
        M._on_command_result(err, result, ctx)
        return
      end
      cb(clean(result), ctx)
    end, bufnr)
    if not ok then
      notify('LessonL: the server is not running; :Lessonl log lsp shows why', levels.ERROR)
    end
  end)
end

local function close_diff_tab(uri, func)
  for _, tab in ipairs(api.nvim_list_tabpages()) do
    local wins = api.nvim_tabpage_list_wins(tab)
    local ours = #wins > 0
    for _, w in ipairs(wins) do
      local ok, t = pcall(api.nvim_buf_get_var, api.nvim_win_get_buf(w), 'lessonl_target')
      if not (ok and type(t) == 'table' and t.uri == uri and t.func == func) then
        ours = false
      end
    end
    if ours and #api.nvim_list_tabpages() > 1 then
      api.nvim_set_current_tabpage(tab)
      vim.cmd('tabclose')
    end
  end
end

-- lessonl.apply for uri/func. The server sends the edit and announces the
-- outcome (applied, or refused and why). variant, when known, is the code the
-- user could review: the server refuses if a later run replaced it.
local function apply_ref(uri, func, variant)
  local ref = { uri = uri, func = func }
  if type(variant) == 'string' and variant ~= '' then
    ref.variant = variant
  end
  command(uri, 'lessonl.apply', { ref }, function(result)
    if type(result) == 'table' and result.applied == false then
      if not already_shown(tostring(result.failureReason)) then
        notify('LessonL: not applied: ' .. tostring(result.failureReason or 'refused'), levels.WARN)
      end
      return
    end
    local r = result_of(uri, func)
    if r then
      r.applied = true
    end
    close_diff_tab(uri, func)
    M.refresh_lenses(vim.uri_to_bufnr(uri))
    fire('LessonlUpdate')
  end)
end

--- Writes the best verified variant into the buffer (the server sends the
--- edit; the buffer is modified, not saved).
function M.apply(func)
  local uri, f, r = target(func)
  if not uri then
    notify(f, levels.ERROR)
    return
  end
  if r and r.verdict ~= 'faster' then
    notify('LessonL: nothing to apply: ' .. M.describe(r), levels.WARN)
    return
  end
  apply_ref(uri, f, r and r.variant)
end

local function show_document_support()
  local caps = vim.lsp.protocol.make_client_capabilities()
  return caps.window and caps.window.showDocument and caps.window.showDocument.support == true
end

local function open_file(path)
  vim.cmd('tabedit ' .. vim.fn.fnameescape(path))
end

-- lessonl.showReport for uri/func (section "diff": at the report's diff).
-- Neovim 0.8+ is shown the report by the server itself (showDocument).
local function report_ref(uri, func, section)
  local r = result_of(uri, func)
  if not section and r and type(r.report_uri) == 'string' and r.report_uri:match('^file:') then
    local path = vim.uri_to_fname(r.report_uri)
    if vim.fn.filereadable(path) == 1 then
      return open_file(path)
    end
  end
  command(uri, 'lessonl.showReport', { { uri = uri, func = func, section = section } }, function(result)
    if type(result) == 'table' and type(result.uri) == 'string' and result.uri:match('^file:') then
      if not show_document_support() then
        open_file(vim.uri_to_fname(result.uri))
      end
      return
    end
    ui.split('lessonl://report/' .. func, M._render(result, 'Report for ' .. func), 'markdown')
  end)
end

--- Opens the original and the best variant side by side (a new tab). For a
--- result of an earlier session (known to the server only) it opens the
--- run report's diff instead.
function M.diff(func)
  local uri, f, r = target(func)
  if not uri then
    notify(f, levels.ERROR)
    return
  end
  if not r then
    return report_ref(uri, f, 'diff')
  end
  if type(r.original) ~= 'string' or type(r.variant) ~= 'string' then
    notify('LessonL: the server sent no variant for ' .. r.func .. ' (' .. M.describe(r) .. ')', levels.WARN)
    return
  end
  local src = vim.uri_to_bufnr(r.uri)
  local syntax = api.nvim_buf_is_loaded(src) and vim.bo[src].filetype or vim.fn.fnamemodify(r.uri, ':e')
  local label = r.verdict == 'faster' and (fmt_x(r.speedup):gsub('×', 'x')) or tostring(r.verdict)
  return ui.diff({
    original = r.original,
    variant = r.variant,
    syntax = syntax,
    left_name = string.format('lessonl://%s/original', r.func),
    right_name = string.format('lessonl://%s/variant-%s', r.func, label),
    vars = { lessonl_target = { uri = r.uri, func = r.func } },
  })
end

--- Opens the run report of the function.
function M.report(func)
  local uri, f = target(func)
  if not uri then
    notify(f, levels.ERROR)
    return
  end
  report_ref(uri, f)
end

--- Cancels every running optimisation: window/workDoneProgress/cancel for
--- each progress token, $/cancelRequest for our requests that have none yet.
--- Returns the number of runs asked to stop.
function M.cancel()
  prune_pending()
  local n = 0
  local clients_with_tokens = {}
  for _, run in ipairs(state.tracker:active()) do
    local c = vim.lsp.get_client_by_id(run.client_id)
    if c and not compat.is_stopped(c) then
      compat.notify(c, 'window/workDoneProgress/cancel', { token = run.token })
      clients_with_tokens[run.client_id] = true
      n = n + 1
    end
  end
  for _, req in pairs(state.pending) do
    req.canceled = true
    if not clients_with_tokens[req.client_id] then
      local c = vim.lsp.get_client_by_id(req.client_id)
      if c and req.id then
        compat.cancel_request(c, req.id)
        n = n + 1
      end
    end
  end
  if n == 0 then
    notify('LessonL: nothing is running')
  else
    notify(string.format('LessonL: canceling %d run%s', n, n == 1 and '' or 's'))
  end
  return n
end

-- Markdown lines for a lessonl.showLessons / showReport result, whatever its
-- shape: a string, { markdown | value | text }, or a list of lessons.
function M._render(result, title)
  if is_nil(result) then
    return { '# ' .. title, '', '(nothing yet)' }
  end
  if type(result) == 'string' then
    return ui.split_lines(result)
  end
  if type(result) == 'table' then
    for _, k in ipairs({ 'markdown', 'value', 'text', 'contents' }) do
      if type(result[k]) == 'string' then
        return ui.split_lines(result[k])
      end
    end
    local list = result.lessons or (compat.islist(result) and result) or nil
    if list then
      local lines = { '# ' .. title, '' }
      if #list == 0 then
        lines[#lines + 1] = '(no lessons yet)'
      end
      for i, l in ipairs(list) do
        if type(l) == 'string' then
          lines[#lines + 1] = string.format('%d. %s', i, l)
        elseif type(l) == 'table' then
          local meta = {}
          for _, k in ipairs({ 'outcome', 'model', 'round' }) do
            if l[k] ~= nil then
              meta[#meta + 1] = k == 'round' and ('round ' .. tostring(l[k])) or tostring(l[k])
            end
          end
          if type(l.speedup) == 'number' and l.speedup > 0 then
            meta[#meta + 1] = fmt_x(l.speedup)
          end
          lines[#lines + 1] = string.format('%d. %s', i, tostring(l.text or l.lesson or vim.inspect(l)))
          if #meta > 0 then
            lines[#lines + 1] = '   _' .. table.concat(meta, ' · ') .. '_'
          end
        end
      end
      return lines
    end
  end
  return ui.split_lines(vim.inspect(result))
end

-- lessonl.showLessons for uri/func. Neovim 0.8+ is shown them by the server
-- (showDocument; the answer is then null); 0.7 gets the Markdown in a float.
local function lessons_ref(uri, func)
  command(uri, 'lessonl.showLessons', { { uri = uri, func = func } }, function(result)
    if result == nil then
      return
    end
    ui.float('lessonl://lessons/' .. func, M._render(result, 'Lessons for ' .. func), 'markdown')
  end)
end

--- Shows the lessons for the function (a float; q closes it).
function M.lessons(func)
  local uri, f = target(func)
  if not uri then
    notify(f, levels.ERROR)
    return
  end
  lessons_ref(uri, f)
end

--- `:Lessonl log`: the server's messages; `:Lessonl log lsp`: Neovim's LSP log.
function M.log(which)
  if which == 'lsp' then
    open_file(vim.lsp.get_log_path())
    return
  end
  local lines = { '-- LessonL server messages (window/logMessage, window/showMessage). Neovim\'s LSP log: '
    .. vim.lsp.get_log_path() .. ' (:Lessonl log lsp)' }
  if #state.messages == 0 then
    lines[#lines + 1] = '(no messages yet)'
  end
  vim.list_extend(lines, state.messages)
  return ui.split('lessonl://log', lines)
end

--- Function names with results in the current buffer (for completion).
function M._complete_funcs()
  return func_names(vim.uri_from_bufnr(api.nvim_get_current_buf()))
end

-- The server's commands as code actions and lenses carry them, run by the
-- plugin (client-side commands come first in Neovim's code action and lens
-- code): progress tracking, results, the side-by-side diff, and reports and
-- lessons on 0.7, which has no window/showDocument.
function M._client_commands()
  local function arg_of(cmd)
    local a = type(cmd) == 'table' and type(cmd.arguments) == 'table' and cmd.arguments[1]
    return type(a) == 'table' and clean(a) or {}
  end
  return {
    ['lessonl.optimize'] = function(cmd, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      if client then
        send_optimize(client, ctx.bufnr, arg_of(cmd))
      end
    end,
    ['lessonl.apply'] = function(cmd)
      local a = arg_of(cmd)
      apply_ref(a.uri, a.func)
    end,
    ['lessonl.showReport'] = function(cmd)
      local a = arg_of(cmd)
      local r = result_of(a.uri, a.func)
      if a.section == 'diff' and r and r.original and r.variant then
        local cur = api.nvim_get_current_buf()
        local ok = pcall(function()
          vim.cmd('buffer ' .. vim.uri_to_bufnr(a.uri))
          M.diff(a.func)
        end)
        if not ok then
          api.nvim_set_current_buf(cur)
        end
        return
      end
      report_ref(a.uri, a.func, a.section)
    end,
    ['lessonl.showLessons'] = function(cmd)
      local a = arg_of(cmd)
      lessons_ref(a.uri, a.func)
    end,
  }
end

-- Code lenses of the lessonl client only (vim.lsp.codelens.refresh would ask
-- every client of the buffer). Shown and runnable with vim.lsp.codelens.run().
-- One request per buffer at a time; a refresh asked for meanwhile (an edit,
-- a run's end) is sent when it answers, so the last lenses shown are never
-- older than the last change.
local lens_inflight = {}
function M.refresh_lenses(bufnr)
  if not bufnr or not api.nvim_buf_is_loaded(bufnr) then
    return
  end
  if lens_inflight[bufnr] then
    lens_inflight[bufnr] = 'again'
    return
  end
  local c = compat.get_clients({ bufnr = bufnr, name = M.name })[1]
  if not (c and compat.is_ready(c) and c.server_capabilities and c.server_capabilities.codeLensProvider) then
    return
  end
  lens_inflight[bufnr] = true
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  local ok = compat.request(c, 'textDocument/codeLens', params, function(err, result, ctx)
    local again = lens_inflight[bufnr] == 'again'
    lens_inflight[bufnr] = nil
    if again then
      return M.refresh_lenses(bufnr)
    end
    if err or not api.nvim_buf_is_loaded(bufnr) then
      return
    end
    ctx.bufnr = bufnr
    if is_nil(result) or #result == 0 then
      compat.clear_lenses(c.id, bufnr)
    end
    vim.lsp.codelens.on_codelens(err, clean(result) or {}, ctx)
  end, bufnr)
  if not ok then
    lens_inflight[bufnr] = nil
  end
end

local lens_group = api.nvim_create_augroup('lessonl_lenses', { clear = true })
api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged', 'BufWritePost' }, {
  group = lens_group,
  desc = 'LessonL: refresh the lessonl code lenses',
  callback = function(a)
    M.refresh_lenses(a.buf)
  end,
})

return M
