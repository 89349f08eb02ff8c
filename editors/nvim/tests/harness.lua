-- A small test harness for headless Neovim: named tests, assertions with
-- readable diffs, results on stdout, and an exit status (cquit) that the
-- shell sees. An uncaught error would leave Neovim waiting forever, so every
-- test runs under xpcall and finish() always exits.
local H = {}

local results = { passed = 0, failed = {} }

local function out(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end
H.out = out

function H.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    results.passed = results.passed + 1
    out('ok   ' .. name)
  else
    results.failed[#results.failed + 1] = name
    out('FAIL ' .. name .. '\n' .. tostring(err))
  end
  return ok
end

local function show(v)
  return vim.inspect(v)
end

function H.eq(got, want, what)
  if not vim.deep_equal(got, want) then
    error(string.format('%s\n  got:  %s\n  want: %s', what or 'values differ', show(got), show(want)), 2)
  end
end

function H.truthy(v, what)
  if not v then
    error((what or 'expected a true value') .. ', got ' .. show(v), 2)
  end
  return v
end

-- s contains every needle (plain text).
function H.contains(s, needles, what)
  if type(needles) == 'string' then
    needles = { needles }
  end
  for _, n in ipairs(needles) do
    if type(s) ~= 'string' or not s:find(n, 1, true) then
      error(string.format('%s: %s does not contain %s', what or 'text', show(s), show(n)), 2)
    end
  end
end

function H.not_contains(s, needle, what)
  if type(s) == 'string' and s:find(needle, 1, true) then
    error(string.format('%s: %s contains %s', what or 'text', show(s), show(needle)), 2)
  end
end

-- Waits for cond, failing with what (and the last value of detail()) when it
-- does not come within ms.
function H.wait(ms, cond, what, detail)
  if not vim.wait(ms, cond, 50) then
    error(string.format('timed out after %d ms waiting for %s%s', ms, what,
      detail and ('\n' .. tostring(detail())) or ''), 2)
  end
end

-- Captures vim.notify calls while fn runs; returns them as { msg, level }.
function H.capture_notify(fn)
  local got = {}
  local orig = vim.notify
  vim.notify = function(msg, level)
    got[#got + 1] = { msg = msg, level = level }
  end
  local ok, err = xpcall(fn, debug.traceback)
  vim.notify = orig
  if not ok then
    error(err, 0)
  end
  return got
end

-- Records vim.notify calls from now on (for asynchronous code).
function H.record_notify()
  local rec = {}
  vim.notify = function(msg, level)
    rec[#rec + 1] = { msg = msg, level = level }
  end
  return rec
end

function H.buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr or 0, 0, -1, false), '\n')
end

-- Exits Neovim: status 0 when every test passed, else 1.
function H.finish()
  out(string.format('%d passed, %d failed', results.passed, #results.failed))
  if #results.failed > 0 then
    out('failed: ' .. table.concat(results.failed, ', '))
    vim.cmd('cquit 1')
  end
  vim.cmd('qall!')
end

-- Runs main under pcall and always exits.
function H.main(fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    results.failed[#results.failed + 1] = 'main'
    out('FAIL main\n' .. tostring(err))
  end
  H.finish()
end

return H
