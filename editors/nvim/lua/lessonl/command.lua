-- The :Lessonl command: parsing and completion (pure), and dispatch.
local M = {}

-- Subcommands in the order :Lessonl <Tab> offers them. `arg` names what the
-- optional argument completes to.
M.subcommands = {
  { name = 'optimize', help = 'optimize the function under the cursor (or the selected range)' },
  { name = 'apply', arg = 'func', help = 'write the best verified variant into the buffer' },
  { name = 'diff', arg = 'func', help = 'show the original and the best variant side by side' },
  { name = 'cancel', help = 'cancel running optimisations' },
  { name = 'lessons', arg = 'func', help = 'show the lessons for the function' },
  { name = 'report', arg = 'func', help = "open the function's run report" },
  { name = 'log', arg = 'log', help = "show the server's messages (`:Lessonl log lsp`: Neovim's LSP log)" },
}

local by_name = {}
for _, s in ipairs(M.subcommands) do
  by_name[s.name] = s
end

local function names()
  local out = {}
  for _, s in ipairs(M.subcommands) do
    out[#out + 1] = s.name
  end
  return out
end

M.log_targets = { 'server', 'lsp' }

function M.usage()
  local lines = { 'usage: :Lessonl {subcommand} [argument]' }
  for _, s in ipairs(M.subcommands) do
    local a = s.arg == 'func' and ' [FUNC]' or (s.arg == 'log' and ' [server|lsp]' or '')
    lines[#lines + 1] = string.format('  %-20s %s', s.name .. a, s.help)
  end
  return table.concat(lines, '\n')
end

-- Parses the command's words. Returns { name = ..., arg = ... } or nil and a
-- message naming the mistake and the fix.
function M.parse(fargs)
  local sub, arg = fargs[1], fargs[2]
  if sub == nil then
    return nil, 'lessonl: missing subcommand; ' .. M.usage()
  end
  local spec = by_name[sub]
  if not spec then
    -- A unique prefix is accepted (:Lessonl opt), as Vim does for commands.
    local hits = {}
    for _, s in ipairs(M.subcommands) do
      if s.name:sub(1, #sub) == sub then
        hits[#hits + 1] = s
      end
    end
    if #hits == 1 then
      spec = hits[1]
    else
      return nil, string.format('lessonl: unknown subcommand %q; use one of: %s', sub, table.concat(names(), ', '))
    end
  end
  if #fargs > 2 or (arg ~= nil and not spec.arg) then
    local extra = spec.arg and table.concat(fargs, ' ', 3) or table.concat(fargs, ' ', 2)
    return nil, string.format('lessonl: %s takes %s; remove %q', spec.name,
      spec.arg and 'at most one argument' or 'no argument', extra)
  end
  if spec.arg == 'log' and arg ~= nil and arg ~= 'server' and arg ~= 'lsp' then
    return nil, string.format('lessonl: log takes "server" or "lsp", not %q', arg)
  end
  return { name = spec.name, arg = arg }
end

local function filter(list, lead)
  local out = {}
  for _, v in ipairs(list) do
    if v:sub(1, #lead) == lead then
      out[#out + 1] = v
    end
  end
  return out
end

-- Completion for :Lessonl. funcs() lists the function names that have
-- results (for apply, diff, lessons, report).
function M.complete(arglead, cmdline, cursorpos, funcs)
  local line = cmdline:sub(1, cursorpos or #cmdline)
  -- Drop a range ('<,'>, %, 10,20) and the command name itself.
  local rest = line:gsub("^%s*[%d,.$%%'<>%s]*", ''):gsub('^%a+!?', '', 1)
  local words = {}
  for w in rest:gmatch('%S+') do
    words[#words + 1] = w
  end
  -- The word being completed is arglead (possibly empty after a space).
  local n = #words
  if arglead ~= '' then
    n = n - 1
  end
  if n == 0 then
    return filter(names(), arglead)
  end
  if n == 1 then
    local spec = by_name[words[1]]
    if spec and spec.arg == 'func' then
      return filter(funcs and funcs() or {}, arglead)
    end
    if spec and spec.arg == 'log' then
      return filter(M.log_targets, arglead)
    end
  end
  return {}
end

-- Entry point of the user command (nvim_create_user_command's opts).
function M.run(o)
  local cmd, err = M.parse(o.fargs or {})
  if not cmd then
    vim.notify(err, vim.log.levels.ERROR)
    return
  end
  local lessonl = require('lessonl')
  if cmd.name == 'optimize' then
    lessonl.optimize({ range = o.range and o.range > 0 and { o.line1, o.line2 } or nil })
  elseif cmd.name == 'log' then
    lessonl.log(cmd.arg)
  else
    lessonl[cmd.name](cmd.arg)
  end
end

return M
