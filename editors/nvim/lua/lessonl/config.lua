-- Options: defaults, validation, and the server settings derived from them.
-- The server keys are the language server's configuration contract (one flat
-- object, the same names in every editor); the rest belong to this plugin.
local compat = require('lessonl.compat')

local M = {}

-- Server keys, in the order the docs list them.
M.server_keys = { 'models', 'ollamaHost', 'rounds', 'lessons', 'scope', 'store', 'timeout', 'floor', 'sandbox',
  'codeLens' }

-- Plugin keys.
M.plugin_keys = { 'server_path', 'cmd', 'filetypes' }

-- Server keys have no default here on purpose: unset, the server falls back to
-- LESSONL_MODELS, OLLAMA_HOST and LESSONL_HOME and then to its own defaults,
-- which a plugin-side default would silently override.
M.defaults = {
  server_path = 'lessonl',
  cmd = nil,
  filetypes = { 'go', 'c', 'cpp' },
}

-- Markers of a project root, nearest first in preference order.
M.root_markers = { 'go.work', 'go.mod', 'compile_commands.json', '.git' }

local function is_list_of_strings(v)
  if type(v) ~= 'table' then
    return false
  end
  local n = 0
  for k, s in pairs(v) do
    if type(k) ~= 'number' or type(s) ~= 'string' or s == '' then
      return false
    end
    n = n + 1
  end
  return n == #v
end

local function is_int(v)
  return type(v) == 'number' and v == math.floor(v) and v == v and v ~= math.huge and v ~= -math.huge
end

-- A Go duration such as "90s", "5m" or "1h30m" (what the server parses).
function M.is_duration(s)
  if type(s) ~= 'string' or s == '' then
    return false
  end
  local rest = s
  while rest ~= '' do
    local num, unit, tail = rest:match('^(%d*%.?%d+)(%a+)(.*)$')
    if not num then
      num, unit, tail = rest:match('^(%d+%.?)(%a+)(.*)$')
    end
    if not num then
      return false
    end
    if not ({ ns = true, us = true, ms = true, s = true, m = true, h = true })[unit] then
      return false
    end
    rest = tail
  end
  return true
end

-- One MODEL or MODEL@HOST, as the server's `models` key takes it.
function M.is_model(s)
  if type(s) ~= 'string' or s:find('%s') then
    return false
  end
  if s:find('@', 1, true) then
    local model, host = s:match('^([^@]+)@([^@]+)$')
    return model ~= nil and host ~= nil
  end
  return s ~= ''
end

-- Each rule: the type vim.validate checks, then a value check, what a good
-- value looks like, and an example.
local rules = {
  server_path = { 'string', function(v) return v ~= '' end, 'the lessonl binary (a name on PATH or a path)',
    "server_path = '~/go/bin/lessonl'" },
  cmd = { 'table', function(v) return is_list_of_strings(v) and #v > 0 end,
    'a non-empty list of strings: the server command and its arguments',
    "cmd = { 'lessonl', 'serve' }" },
  filetypes = { 'table', function(v) return is_list_of_strings(v) end, 'a list of filetype names',
    "filetypes = { 'go' }" },
  models = { 'table', function(v)
    if not is_list_of_strings(v) or #v == 0 then
      return false
    end
    for _, m in ipairs(v) do
      if not M.is_model(m) then
        return false
      end
    end
    return true
  end, 'a non-empty list of "MODEL" or "MODEL@HOST" strings',
    "models = { 'qwen2.5-coder:7b', 'deepseek-coder:6.7b@http://gpu:11434' }" },
  ollamaHost = { 'string', function(v) return v:match('^%S+$') ~= nil end, 'an Ollama address',
    "ollamaHost = 'http://127.0.0.1:11434'" },
  rounds = { 'number', function(v) return is_int(v) and v >= 1 end, 'a whole number >= 1', 'rounds = 2' },
  lessons = { 'number', function(v) return is_int(v) and v >= 0 end, 'a whole number >= 0', 'lessons = 4' },
  scope = { 'string', function(v) return v == 'problem' or v == 'project' or v == 'all' end,
    '"problem", "project" or "all"', "scope = 'project'" },
  store = { 'string', function(v) return v ~= '' end, 'a directory for the lesson store',
    "store = '~/.local/share/lessonl'" },
  timeout = { 'string', M.is_duration, 'a Go duration such as "90s", "5m" or "1h30m"', "timeout = '5m'" },
  floor = { 'number', function(v) return v == v and v >= 0 and v < 1 end,
    'a noise floor between 0 and 1 (0.05 = 5%)', 'floor = 0.05' },
  sandbox = { 'boolean', function() return true end, 'true or false', 'sandbox = true' },
  codeLens = { 'boolean', function() return true end, 'true or false', 'codeLens = true' },
}

local function all_keys()
  local keys = {}
  for k in pairs(rules) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

-- Suggests a known key for a misspelt one: same letters ignoring case and
-- underscores (ollama_host -> ollamaHost), else within edit distance 2.
local function suggest(key)
  local function norm(s)
    return s:lower():gsub('_', '')
  end
  local function dist(a, b)
    local prev = {}
    for j = 0, #b do
      prev[j] = j
    end
    for i = 1, #a do
      local cur = { [0] = i }
      for j = 1, #b do
        local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
        cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      end
      prev = cur
    end
    return prev[#b]
  end
  local best, bestd = nil, 3
  for _, k in ipairs(all_keys()) do
    if norm(k) == norm(key) then
      return k
    end
    local d = dist(norm(key), norm(k))
    if d < bestd then
      best, bestd = k, d
    end
  end
  return best
end

-- Checks opts (a table of option overrides, possibly nil). Returns true, or
-- false and one message that names the option, what is wrong, and a fix.
function M.validate(opts)
  if opts == nil then
    return true
  end
  if type(opts) ~= 'table' then
    return false, string.format(
      'lessonl: setup() takes a table of options, got %s; call it as require("lessonl").setup({ rounds = 2 })',
      type(opts))
  end
  local keys = {}
  for k in pairs(opts) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    local rule = type(k) == 'string' and rules[k]
    if not rule then
      local hint = type(k) == 'string' and suggest(k)
      return false, string.format('lessonl: unknown option %s%s; the options are %s',
        vim.inspect(k), hint and (' (did you mean ' .. hint .. '?)') or '', table.concat(all_keys(), ', '))
    end
  end
  for _, k in ipairs(keys) do
    local rule, v = rules[k], opts[k]
    local ok, err = compat.validate(k, v, rule[1], true)
    if not ok then
      -- vim.validate's message already names the key and both types.
      err = tostring(err):gsub('^.-:%d+: ', '')
      return false, string.format('lessonl: invalid option %s; it takes %s, e.g. %s', err, rule[3], rule[4])
    end
    if v ~= nil and not rule[2](v) then
      return false, string.format('lessonl: invalid option %s = %s; it takes %s, e.g. %s', k,
        vim.inspect(v, { newline = ' ', indent = '' }), rule[3], rule[4])
    end
  end
  return true
end

-- Returns a new config: opts over base, key by key. Lists replace lists
-- (vim.tbl_deep_extend would merge { 'go', 'c' } and { 'go' } index-wise).
function M.merge(base, opts)
  local out = {}
  for k, v in pairs(base) do
    out[k] = vim.deepcopy(v)
  end
  for k, v in pairs(opts or {}) do
    out[k] = vim.deepcopy(v)
  end
  return out
end

-- The flat settings object the server reads (init_options, and the `lessonl`
-- section of workspace/configuration): only the server keys that are set.
function M.settings(cfg)
  local s = {}
  for _, k in ipairs(M.server_keys) do
    if cfg[k] ~= nil then
      s[k] = vim.deepcopy(cfg[k])
    end
  end
  if s.store then
    s.store = vim.fn.expand(s.store)
  end
  return s
end

-- The command that starts the server: cmd if given, else server_path serve.
function M.cmd(cfg)
  if cfg.cmd then
    local c = vim.deepcopy(cfg.cmd)
    c[1] = vim.fn.expand(c[1])
    return c
  end
  return { vim.fn.expand(cfg.server_path or 'lessonl'), 'serve' }
end

return M
