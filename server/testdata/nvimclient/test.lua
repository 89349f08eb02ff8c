-- A real-client test of `lessonl serve` on headless Neovim 0.7.2 through raw
-- vim.lsp calls (no plugin): open a Go file, code action, run
-- lessonl.optimize, wait for the progress to end, apply (Neovim's own
-- workspace/applyEdit handler edits the buffer), and hover shows the speedup.
-- run.sh prepares LESSONL, LESSONL_TEST_OLLAMA, LESSONL_TEST_FILE and
-- LESSONL_TEST_STORE; it runs: timeout 600 nvim --headless --clean -c 'luafile test.lua'
local function out(s)
  io.stdout:write(s .. '\n')
end

local function main()
  local file = assert(vim.env.LESSONL_TEST_FILE, 'LESSONL_TEST_FILE is not set: use run.sh')
  local ollama = assert(vim.env.LESSONL_TEST_OLLAMA, 'LESSONL_TEST_OLLAMA is not set: use run.sh')
  local settings = { models = { 'fast:1b@' .. ollama }, rounds = 1, lessons = 2, timeout = '100s' }

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'go'
  -- An unsaved change: the server must optimise the buffer, not the file.
  local marker = '// unsaved: insertion sort'
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l:find('for i := 1;', 1, true) then
      vim.api.nvim_buf_set_lines(buf, i - 1, i - 1, false, { '\t' .. marker })
      break
    end
  end

  local id = vim.lsp.start_client({
    name = 'lessonl',
    cmd = { vim.env.LESSONL or 'lessonl', 'serve', '--store', vim.env.LESSONL_TEST_STORE },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    init_options = settings,
    settings = { lessonl = settings },
  })
  assert(id, 'could not start lessonl serve')
  local client = vim.lsp.get_client_by_id(id)
  vim.lsp.buf_attach_client(buf, id)
  assert(vim.wait(20000, function()
    return client.initialized
  end, 50), 'the server did not initialize')
  out('ok initialize')

  local function line_of(sub)
    for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      if l:find(sub, 1, true) then
        return i - 1
      end
    end
    error('no line with ' .. sub)
  end
  local pos = { line = line_of('copy(s, xs)'), character = 2 }
  local uri = vim.uri_from_bufnr(buf)

  local res = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = pos, ['end'] = pos },
    context = { diagnostics = {} },
  }, 20000)
  assert(res and res[id] and res[id].result, 'no code action answer: ' .. vim.inspect(res))
  local optimize
  for _, a in ipairs(res[id].result) do
    if a.title == 'Optimize with lessons' then
      optimize = a
    end
  end
  assert(optimize and optimize.kind == 'refactor.rewrite' and optimize.command, 'actions: ' .. vim.inspect(res[id].result))
  out('ok code action')

  -- The run: progress is tracked by Neovim's own $/progress handler.
  local done, answer = false, nil
  client.request('workspace/executeCommand', { command = optimize.command.command, arguments = optimize.command.arguments }, function(err, result)
    answer = { err = err, result = result }
    done = true
  end, buf)
  assert(vim.wait(300000, function()
    return done
  end, 100), 'lessonl.optimize did not answer within 300 s')
  assert(not answer.err, 'lessonl.optimize failed: ' .. vim.inspect(answer.err))
  local r = answer.result
  assert(r and r.verdict == 'faster' and r.speedup > 1 and r.func == 'Max', 'result: ' .. vim.inspect(r))
  assert(r.original:find(marker, 1, true), 'the server optimised the file on disk, not the buffer')
  -- Progress ended (Neovim keeps finished progress until it is read).
  local ended = false
  for _, p in pairs(client.messages.progress) do
    if p.done and (p.message or ''):find('^completed') then
      ended = true
    end
  end
  assert(ended, 'no completed progress: ' .. vim.inspect(client.messages.progress))
  out(string.format('ok optimize %.2fx', r.speedup))

  -- Apply: the server sends workspace/applyEdit; Neovim applies it.
  local applied = vim.lsp.buf_request_sync(buf, 'workspace/executeCommand', { command = 'lessonl.apply', arguments = { { uri = uri, func = 'Max' } } }, 30000)
  assert(applied and applied[id] and applied[id].result and applied[id].result.applied == true, 'apply: ' .. vim.inspect(applied))
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  assert(text:find('m := xs[0]', 1, true) and not text:find(marker, 1, true), 'buffer after apply:\n' .. text)
  out('ok apply')

  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', { textDocument = { uri = uri }, position = { line = line_of('func Max'), character = 6 } }, 20000)
  local value = hover and hover[id] and hover[id].result and hover[id].result.contents.value or ''
  assert(value:find(string.format('%.2f× faster', r.speedup), 1, true), 'hover: ' .. vim.inspect(hover))
  out('ok hover')

  client.stop()
  vim.wait(5000, function()
    return client.is_stopped()
  end, 50)
end

local ok, err = pcall(main)
if not ok then
  io.stderr:write('FAIL: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
out('PASS: headless Neovim drove lessonl serve through vim.lsp')
vim.cmd('qall!')
