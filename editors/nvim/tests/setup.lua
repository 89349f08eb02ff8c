-- setup() never raises: a missing server binary gives one warning that names
-- the fix, invalid options give one error message that names the option, and
-- the plugin stays usable. Run in a fresh Neovim (module state matters).
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local H = dofile(here .. '/harness.lua')

H.main(function()
  -- No lessonl anywhere on PATH.
  local empty = vim.fn.tempname()
  vim.fn.mkdir(empty, 'p')
  vim.env.PATH = empty .. ':/usr/bin:/bin'
  vim.cmd('runtime plugin/lessonl.lua')
  local lessonl = require('lessonl')
  local levels = vim.log.levels

  H.test('setup() with the binary missing only warns, once, naming the fix', function()
    local ret
    local notes = H.capture_notify(function()
      ret = lessonl.setup()
    end)
    H.eq(ret, true, 'setup returns true')
    H.eq(#notes, 1, 'one notification: ' .. vim.inspect(notes))
    H.eq(notes[1].level, levels.WARN, 'a warning, not an error')
    H.contains(notes[1].msg, { "'lessonl' was not found", 'go install github.com/lessonl/lessonl/cmd/lessonl@latest',
      'server_path' }, 'warning')
  end)

  H.test('a Go buffer opens without errors or more warnings', function()
    local dir = vim.fn.tempname()
    vim.fn.mkdir(dir, 'p')
    vim.fn.writefile({ 'package p', '', 'func F() int {', '\treturn 1', '}' }, dir .. '/p.go')
    local notes = H.capture_notify(function()
      vim.cmd('edit ' .. dir .. '/p.go')
    end)
    H.eq(vim.bo.filetype, 'go', 'filetype')
    H.eq(notes, {}, 'no repeated warning on FileType')
    H.eq(#require('lessonl.compat').get_clients({ name = 'lessonl' }), 0, 'no client started')
  end)

  H.test(':Lessonl optimize without the binary says why instead of doing nothing', function()
    vim.api.nvim_win_set_cursor(0, { 4, 1 })
    local notes = H.capture_notify(function()
      vim.cmd('Lessonl optimize')
    end)
    H.eq(#notes, 1, 'one notification')
    H.contains(notes[1].msg, 'go install github.com/lessonl/lessonl/cmd/lessonl@latest', 'hint repeated on request')
  end)

  H.test('setup() with a server_path that does not exist names it', function()
    local notes = H.capture_notify(function()
      H.eq(lessonl.setup({ server_path = '/nonexistent/bin/lessonl', rounds = 3 }), true, 'returns true')
    end)
    H.eq(#notes, 1, 'one warning')
    H.contains(notes[1].msg, "'/nonexistent/bin/lessonl' was not found", 'names the path')
  end)

  H.test('invalid options give one clear error and keep the previous options', function()
    local cases = {
      { { rounds = 0 }, 'lessonl: invalid option rounds = 0; it takes a whole number >= 1, e.g. rounds = 2' },
      { { scope = 'everything' }, 'it takes "problem", "project" or "all"' },
      { { modles = { 'a' } }, 'unknown option "modles" (did you mean models?)' },
      { { timeout = 5 }, 'timeout: expected string, got number' },
    }
    for _, c in ipairs(cases) do
      local ret
      local notes = H.capture_notify(function()
        ret = lessonl.setup(c[1])
      end)
      H.eq(ret, false, 'setup returns false for ' .. vim.inspect(c[1]))
      H.eq(#notes, 1, 'one message for ' .. vim.inspect(c[1]))
      H.eq(notes[1].level, levels.ERROR, 'error level')
      H.contains(notes[1].msg, c[2], 'message')
      H.eq(lessonl.config().rounds, 3, 'previous options kept')
      H.eq(lessonl.config().server_path, '/nonexistent/bin/lessonl', 'previous server_path kept')
    end
  end)

  H.test(':checkhealth lessonl reports the missing binary with the fix', function()
    vim.cmd('checkhealth lessonl')
    local text = H.buffer_text(0)
    H.contains(text, { 'lessonl: language server', "server binary '/nonexistent/bin/lessonl' not found",
      'go install github.com/lessonl/lessonl/cmd/lessonl@latest', 'lessonl: lesson store', 'lessonl: Ollama' },
      'health buffer')
  end)
end)
