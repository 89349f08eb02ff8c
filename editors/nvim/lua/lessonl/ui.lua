-- Scratch buffers, the side-by-side diff and floats. Nothing here talks to the
-- server.
local api = vim.api

local M = {}

-- The buffer named name, or nil. Compared by full name rather than with
-- bufnr(), whose pattern matching trips over names like lessonl://f/x.
local function find_buf(name)
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_get_name(b) == name then
      return b
    end
  end
end
M.find_buf = find_buf

local function split_lines(text)
  if type(text) ~= 'string' then
    return {}
  end
  text = text:gsub('\r\n', '\n')
  local lines = vim.split(text, '\n', { plain = true })
  if #lines > 1 and lines[#lines] == '' then
    lines[#lines] = nil
  end
  return lines
end
M.split_lines = split_lines

-- A read-only buffer that is never written and disappears when hidden. The
-- highlighting comes from 'syntax', not 'filetype', so no FileType autocmd
-- attaches language servers (this plugin's included) to it.
function M.scratch(name, lines, syntax)
  -- A stale buffer of the same name (an earlier diff) would make set_name fail.
  local old = find_buf(name)
  if old then
    api.nvim_buf_delete(old, { force = true })
  end
  local buf = api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  api.nvim_buf_set_name(buf, name)
  if syntax and syntax ~= '' then
    vim.bo[buf].syntax = syntax
  end
  return buf
end

-- Opens original and variant side by side in a new tab, in diff mode. Returns
-- the two buffers and windows.
function M.diff(opts)
  local left = M.scratch(opts.left_name, split_lines(opts.original), opts.syntax)
  local right = M.scratch(opts.right_name, split_lines(opts.variant), opts.syntax)
  vim.cmd('tab sbuffer ' .. left)
  local lwin = api.nvim_get_current_win()
  vim.cmd('diffthis')
  vim.cmd('rightbelow vertical sbuffer ' .. right)
  local rwin = api.nvim_get_current_win()
  vim.cmd('diffthis')
  for _, b in ipairs({ left, right }) do
    for k, v in pairs(opts.vars or {}) do
      api.nvim_buf_set_var(b, k, v)
    end
  end
  return { left = left, right = right, left_win = lwin, right_win = rwin }
end

-- A centred float showing lines (Markdown); q or <Esc> closes it.
function M.float(name, lines, ft)
  local buf = api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  pcall(api.nvim_buf_set_name, buf, name)
  if ft then
    vim.bo[buf].filetype = ft
  end
  local width = 20
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  local cols, rows = vim.o.columns, vim.o.lines
  width = math.min(width + 2, math.max(20, cols - 4))
  local height = math.min(math.max(#lines, 1), math.max(3, rows - 6))
  local win = api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = width,
    height = height,
    row = math.max(0, math.floor((rows - height) / 2) - 1),
    col = math.max(0, math.floor((cols - width) / 2)),
    style = 'minimal',
    border = 'rounded',
  })
  vim.wo[win].wrap = true
  -- The editor's own background: 0.7's default NormalFloat is Pmenu (magenta),
  -- on which the Markdown title (Title, magenta-pink) could not be read.
  vim.wo[win].winhighlight = 'NormalFloat:Normal,FloatBorder:Normal'
  for _, lhs in ipairs({ 'q', '<Esc>' }) do
    api.nvim_buf_set_keymap(buf, 'n', lhs, '<Cmd>close<CR>', { nowait = true, noremap = true, silent = true })
  end
  return buf, win
end

-- A split showing lines, reused if already open under the same name.
function M.split(name, lines, ft)
  local existing = find_buf(name)
  local buf
  if existing then
    buf = existing
  else
    buf = api.nvim_create_buf(false, true)
    vim.bo[buf].bufhidden = 'hide'
    api.nvim_buf_set_name(buf, name)
  end
  vim.bo[buf].modifiable = true
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  if ft then
    vim.bo[buf].filetype = ft
  end
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd('botright sbuffer ' .. buf)
    win = api.nvim_get_current_win()
  else
    api.nvim_set_current_win(win)
  end
  api.nvim_win_set_cursor(win, { api.nvim_buf_line_count(buf), 0 })
  return buf, win
end

return M
