-- :checkhealth lessonl — what a run needs, checked one by one, each failure
-- with the command that fixes it.
local compat = require('lessonl.compat')
local config = require('lessonl.config')

local M = {}

-- Mirrors team.DefaultModels: the team the server uses when neither the
-- `models` option nor LESSONL_MODELS names one.
M.default_models = { 'qwen2.5-coder:1.5b', 'deepseek-coder:1.3b', 'qwen2.5-coder:3b' }
M.default_host = 'http://127.0.0.1:11434'

-- What OLLAMA_HOST accepts (host, host:port, URL) as a URL with a port, as
-- the server normalises it.
function M.normalize_host(h)
  h = vim.trim(h or '')
  if h == '' then
    return nil
  end
  if not h:find('://', 1, true) then
    h = 'http://' .. h
  end
  h = h:gsub('/+$', '')
  local scheme, hostport, path = h:match('^(%a[%w+.-]*)://([^/]+)(.*)$')
  if not scheme then
    return nil
  end
  if not hostport:match(':%d+$') and not hostport:match('^%[.*%]:%d+$') then
    hostport = hostport .. (scheme == 'https' and ':443' or ':11434')
  end
  return scheme .. '://' .. hostport .. path
end

-- Ollama's name resolution: no tag means :latest; case-insensitive.
function M.normalize_model(name)
  name = vim.trim(name):lower()
  local last = name:match('[^/]*$')
  if not last:find(':', 1, true) then
    name = name .. ':latest'
  end
  return name
end

-- The team as the server will see it: { model, host } pairs.
function M.agents(cfg, env)
  env = env or vim.env
  local default_host = M.normalize_host(cfg.ollamaHost or env.OLLAMA_HOST or '') or M.default_host
  local specs, source = cfg.models, 'the models option'
  if not specs and env.LESSONL_MODELS and env.LESSONL_MODELS ~= '' then
    specs, source = vim.split(env.LESSONL_MODELS, ',', { plain = true }), 'LESSONL_MODELS'
  end
  if not specs then
    specs, source = M.default_models, "the server's default team"
  end
  local out = {}
  for _, s in ipairs(specs) do
    s = vim.trim(s)
    if s ~= '' then
      local model, host = s:match('^([^@]+)@(.+)$')
      out[#out + 1] = { model = model or s, host = host and (M.normalize_host(host) or host) or default_host }
    end
  end
  return out, source
end

-- The lesson store directory, resolved like the server (vectorbank.DefaultDir).
function M.store_dir(cfg, env)
  env = env or vim.env
  if cfg.store and cfg.store ~= '' then
    return vim.fn.expand(cfg.store)
  end
  if env.LESSONL_HOME and env.LESSONL_HOME ~= '' then
    return env.LESSONL_HOME
  end
  if env.XDG_DATA_HOME and env.XDG_DATA_HOME ~= '' then
    return env.XDG_DATA_HOME .. '/lessonl'
  end
  return vim.fn.expand('~/.local/share/lessonl')
end

-- Whether files can be created in dir (or, when it does not exist yet, in
-- its nearest existing parent, where the server would create it).
function M.writable(dir)
  local d = dir
  while vim.fn.isdirectory(d) == 0 do
    local parent = vim.fn.fnamemodify(d, ':h')
    if parent == d then
      return false, 'no existing parent directory'
    end
    d = parent
  end
  local probe = d .. '/.lessonl-health-' .. tostring(compat.uv.getpid())
  local ok = pcall(vim.fn.writefile, { 'probe' }, probe)
  if not ok or vim.fn.filereadable(probe) == 0 then
    return false, d .. ' is not writable'
  end
  vim.fn.delete(probe)
  return true, d == dir and 'exists' or ('will be created under ' .. d)
end

-- GET over a plain TCP socket, for machines without curl (http only).
local function luv_get(url, timeout_ms)
  local host, port, path = url:match('^http://([^/:]+):(%d+)(.*)$')
  if not host then
    return nil, 'only http:// URLs can be checked without curl'
  end
  if path == '' then
    path = '/'
  end
  local addrs = compat.uv.getaddrinfo(host, nil, { socktype = 'stream' })
  if not addrs or not addrs[1] then
    return nil, 'cannot resolve ' .. host
  end
  local tcp = compat.uv.new_tcp()
  local chunks, done, err = {}, false, nil
  tcp:connect(addrs[1].addr, tonumber(port), function(cerr)
    if cerr then
      err, done = cerr, true
      return
    end
    tcp:write(string.format('GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n', path, host, port))
    tcp:read_start(function(rerr, data)
      if rerr then
        err, done = rerr, true
      elseif data then
        chunks[#chunks + 1] = data
      else
        done = true
      end
    end)
  end)
  local finished = vim.wait(timeout_ms, function() return done end, 20)
  if not tcp:is_closing() then
    tcp:close()
  end
  if not finished then
    return nil, 'timed out'
  end
  if err then
    return nil, tostring(err)
  end
  local raw = table.concat(chunks)
  local status = tonumber(raw:match('^HTTP/%d%.%d (%d+)'))
  local body = raw:match('\r\n\r\n(.*)$') or ''
  if status ~= 200 then
    return nil, 'HTTP ' .. tostring(status)
  end
  return body
end

-- GET url; returns the body or nil and why. method: 'curl' or 'luv' (nil:
-- curl when installed).
function M.http_get(url, timeout_ms, method)
  timeout_ms = timeout_ms or 3000
  method = method or (vim.fn.executable('curl') == 1 and 'curl' or 'luv')
  if method == 'luv' then
    return luv_get(url, timeout_ms)
  end
  local out = vim.fn.system({ 'curl', '-sS', '-f', '--max-time', tostring(math.ceil(timeout_ms / 1000)), url })
  if vim.v.shell_error ~= 0 then
    return nil, vim.trim(out)
  end
  return out
end

local function decode(body)
  local ok, v = pcall(vim.json.decode, body)
  if ok and type(v) == 'table' then
    return v
  end
end

local function first_line(s)
  return (vim.trim(s or ''):match('^[^\n]*'))
end

local function check_server(h, cfg)
  h.start('lessonl: language server')
  local cmd = config.cmd(cfg)
  local bin = cmd[1]
  if vim.fn.executable(bin) ~= 1 then
    h.error(string.format("server binary '%s' not found", bin), {
      'Install it: ' .. require('lessonl').install_hint,
      'and put $(go env GOPATH)/bin on PATH, or set it: require("lessonl").setup({ server_path = "/path/to/lessonl" })',
    })
    return
  end
  local path = vim.fn.exepath(bin)
  local out = vim.fn.system({ bin, 'version' })
  if vim.v.shell_error ~= 0 then
    h.error(string.format('%s version failed: %s', path, first_line(out)),
      { 'Reinstall it: ' .. require('lessonl').install_hint })
    return
  end
  h.ok(string.format('%s (%s)', first_line(out), path))
  local help = vim.fn.system({ bin, 'serve', '-h' })
  if help:find('unknown command', 1, true) then
    h.error("this lessonl has no 'serve' command", { 'Update it: ' .. require('lessonl').install_hint })
  end
  local clients = compat.get_clients({ name = 'lessonl' })
  if #clients == 0 then
    h.info('no lessonl server running (it starts on ' .. table.concat(cfg.filetypes or {}, ', ') .. ' buffers)')
  end
  for _, c in ipairs(clients) do
    h.ok(string.format('server running (client %d, root %s)', c.id, tostring(c.config.root_dir)))
  end
end

local function check_ollama(h, cfg)
  h.start('lessonl: Ollama')
  local agents, source = M.agents(cfg)
  local hosts, order = {}, {}
  for _, a in ipairs(agents) do
    if not hosts[a.host] then
      hosts[a.host] = {}
      order[#order + 1] = a.host
    end
    table.insert(hosts[a.host], a.model)
  end
  h.info('team from ' .. source .. ': ' .. table.concat(vim.tbl_map(function(a)
    return a.model .. '@' .. a.host
  end, agents), ', '))
  for _, host in ipairs(order) do
    local body, err = M.http_get(host .. '/api/version')
    local v = body and decode(body)
    if not v then
      h.warn(string.format('Ollama is not reachable at %s: %s', host, err or 'not an Ollama answer'), {
        'Start it with `ollama serve`, or point the plugin at a running one:'
          .. ' setup({ ollamaHost = "http://HOST:11434" }) (or OLLAMA_HOST)',
      })
    else
      h.ok(string.format('Ollama %s at %s', tostring(v.version), host))
      local tags = decode(M.http_get(host .. '/api/tags') or '') or {}
      local have = {}
      for _, m in ipairs(tags.models or {}) do
        have[M.normalize_model(m.name or m.model or '')] = true
      end
      for _, model in ipairs(hosts[host]) do
        if have[M.normalize_model(model)] then
          h.ok(string.format('model %s is pulled', model))
        else
          h.warn(string.format('model %s is not pulled at %s', model, host), { 'Run: ollama pull ' .. model })
        end
      end
    end
  end
end

local function check_store(h, cfg)
  h.start('lessonl: lesson store')
  local dir = M.store_dir(cfg)
  local ok, why = M.writable(dir)
  if ok then
    h.ok(string.format('%s is writable (%s)', dir, why))
  else
    h.error(string.format('lesson store %s is not usable: %s', dir, why), {
      'Choose a writable directory: setup({ store = "~/.local/share/lessonl" }) or LESSONL_HOME',
    })
  end
end

local function check_tools(h, cfg)
  h.start('lessonl: compilers and sandbox')
  local tools = {
    { 'go', { 'go', 'version' }, 'Go functions cannot be measured', 'install Go from https://go.dev/dl/' },
    { 'gcc', { 'gcc', '--version' }, 'C functions cannot be measured', 'apt-get install gcc' },
    { 'g++', { 'g++', '--version' }, 'C++ functions cannot be measured', 'apt-get install g++' },
  }
  for _, t in ipairs(tools) do
    if vim.fn.executable(t[1]) == 1 then
      h.ok(first_line(vim.fn.system(t[2])))
    else
      h.warn(string.format('%s not found: %s', t[1], t[3]), { t[4] })
    end
  end
  if vim.fn.executable('bwrap') == 1 then
    h.ok('bwrap (bubblewrap) found: generated code runs sandboxed')
  elseif cfg.sandbox == false then
    h.warn('bwrap not found, and the sandbox is off (sandbox = false): generated code runs unconfined',
      { 'apt-get install bubblewrap, then remove sandbox = false' })
  else
    h.error('bwrap (bubblewrap) not found: generated code cannot be sandboxed, so nothing can be measured',
      { 'apt-get install bubblewrap' })
  end
end

function M.check()
  local h = compat.health()
  local cfg = require('lessonl').config()
  h.start('lessonl: Neovim')
  local v = vim.version()
  h.ok(string.format('Neovim %d.%d.%d', v.major, v.minor, v.patch))
  check_server(h, cfg)
  check_ollama(h, cfg)
  check_store(h, cfg)
  check_tools(h, cfg)
end

return M
