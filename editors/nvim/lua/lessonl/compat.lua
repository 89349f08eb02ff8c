-- Feature detection for Neovim 0.7.2 (Debian 12) through 0.11. Every API that
-- moved or appeared between those versions is reached through here, so the
-- rest of the plugin reads the same on all of them.
local M = {}

local function has(v)
  return vim.fn.has('nvim-' .. v) == 1
end
M.has = has

-- vim.uv is 0.10's name for vim.loop.
M.uv = vim.uv or vim.loop

-- vim.islist is 0.10's name for vim.tbl_islist (deprecated there).
M.islist = vim.islist or vim.tbl_islist

-- vim.validate with the 0.11 signature where it exists (the table form is
-- deprecated there) and the table form before. Returns ok, message.
function M.validate(name, value, expected, optional)
  if has('0.11') then
    return pcall(vim.validate, name, value, expected, optional)
  end
  return pcall(vim.validate, { [name] = { value, expected, optional } })
end

-- Clients by name, optionally only those attached to bufnr.
-- vim.lsp.get_clients is 0.10+; get_active_clients takes no filter on 0.7.
function M.get_clients(filter)
  filter = filter or {}
  local all
  if vim.lsp.get_clients then
    all = vim.lsp.get_clients()
  else
    all = vim.lsp.get_active_clients()
  end
  local out = {}
  for _, c in pairs(all) do
    if (filter.name == nil or c.name == filter.name)
      and (filter.bufnr == nil or vim.lsp.buf_is_attached(filter.bufnr, c.id))
      and (filter.id == nil or c.id == filter.id) then
      out[#out + 1] = c
    end
  end
  table.sort(out, function(a, b) return a.id < b.id end)
  return out
end

-- Client methods became colon-called in 0.11 (dot calls warn there).
function M.request(client, method, params, handler, bufnr)
  if has('0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.request_sync(client, method, params, timeout_ms, bufnr)
  if has('0.11') then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

function M.notify(client, method, params)
  if has('0.11') then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.cancel_request(client, id)
  if has('0.11') then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

function M.is_stopped(client)
  if has('0.11') then
    return client:is_stopped()
  end
  return client.is_stopped()
end

-- True once the initialize handshake is done: requests sent earlier would
-- reach the server before `initialized` (0.7.2 does not queue them).
function M.is_ready(client)
  return client ~= nil and not M.is_stopped(client) and client.initialized == true
end

-- Starts (or reuses) a client for bufnr. vim.lsp.start (0.8+) reuses a client
-- with the same name and root_dir itself; on 0.7 the caller's `reuse` finds
-- one and start_client + buf_attach_client do the rest.
function M.start(config, bufnr, reuse)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = reuse and reuse(config)
  if not id then
    id = vim.lsp.start_client(config)
    if not id then
      return nil
    end
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

-- Nearest directory above path (a file or directory) holding one of markers,
-- tried in order; vim.fs is 0.8+, findfile/finddir work everywhere.
function M.find_root(path, markers)
  local dir = vim.fn.isdirectory(path) == 1 and path or vim.fn.fnamemodify(path, ':h')
  for _, marker in ipairs(markers) do
    local file = vim.fn.findfile(marker, dir .. ';')
    if file ~= '' then
      return vim.fn.fnamemodify(file, ':p:h')
    end
    local found = vim.fn.finddir(marker, dir .. ';')
    if found ~= '' then
      local abs = (vim.fn.fnamemodify(found, ':p'):gsub('/$', ''))
      return vim.fn.fnamemodify(abs, ':h')
    end
  end
  return dir
end

-- K for hover in an LSP buffer: Neovim 0.10+ maps it itself when a client
-- attaches; before that K runs 'keywordprg' (man). Maps bufnr's K unless
-- some K mapping (the user's, another plugin's) exists. Returns true if mapped.
function M.map_hover(bufnr)
  if has('0.10') or vim.fn.maparg('K', 'n') ~= '' then
    return false
  end
  vim.keymap.set('n', 'K', function() vim.lsp.buf.hover() end,
    { buffer = bufnr, desc = 'LSP hover (LessonL: speedup, checks, lessons)' })
  return true
end

-- Takes a client's lenses off bufnr. Neovim 0.7-0.8's codelens.display()
-- returns early on an empty list, which left the last lenses on screen
-- after the server stopped sending them (a function edited during a run).
function M.clear_lenses(client_id, bufnr)
  local cl = vim.lsp.codelens
  if cl.clear then
    return cl.clear(client_id, bufnr)
  end
  cl.save({}, bufnr, client_id)
  local ns = cl.__namespaces and cl.__namespaces[client_id]
    or vim.api.nvim_create_namespace('vim_lsp_codelens:' .. client_id)
  vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
end

-- The health API: vim.health.start/ok/... on 0.10+ (0.9 has both), the
-- `health` module's report_* on 0.7/0.8.
function M.health()
  local h = vim.health
  if h and h.start then
    return { start = h.start, ok = h.ok, info = h.info, warn = h.warn, error = h.error }
  end
  if h and h.report_start then
    return { start = h.report_start, ok = h.report_ok, info = h.report_info, warn = h.report_warn,
      error = h.report_error }
  end
  local legacy = require('health')
  return { start = legacy.report_start, ok = legacy.report_ok, info = legacy.report_info,
    warn = legacy.report_warn, error = legacy.report_error }
end

-- The user's progress UI: fidget.nvim shows LSP progress by itself (through
-- the default $/progress handler and LspProgress/LspProgressUpdate), so the
-- plugin must not report it a second time.
function M.has_fidget()
  if package.loaded['fidget'] then
    return true
  end
  return (pcall(require, 'fidget'))
end

-- True when vim.notify is still Neovim's own (which echoes to the command
-- line, where repeated long messages cause hit-enter prompts).
function M.builtin_notify()
  local info = debug.getinfo(vim.notify, 'S')
  local src = info and info.source or ''
  return src:find('vim/_editor.lua', 1, true) ~= nil or src:find('vim/shared.lua', 1, true) ~= nil
end

return M
