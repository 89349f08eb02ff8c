-- End to end on headless Neovim: the plugin drives the real `lessonl serve`
-- (whose agents are the scripted Ollama server) through its own commands:
-- setup, :Lessonl optimize, progress, :Lessonl diff, :Lessonl apply, hover,
-- :Lessonl lessons / report / log, :Lessonl cancel on a run that hangs, and
-- :checkhealth lessonl. test.sh prepares the environment:
--   LESSONL_TEST_OLLAMA  URL of `lessonl ollamatest --script tests/testdata/script.json`
--   LESSONL_TEST_MODULE  a temporary copy of team/testdata/maxof with a go.mod
--   LESSONL_HOME         a temporary lesson store; lessonl on PATH
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local H = dofile(here .. '/harness.lua')

local api = vim.api

H.main(function()
  local url = assert(vim.env.LESSONL_TEST_OLLAMA, 'LESSONL_TEST_OLLAMA is not set: run editors/nvim/test.sh')
  local mod = assert(vim.env.LESSONL_TEST_MODULE, 'LESSONL_TEST_MODULE is not set: run editors/nvim/test.sh')
  local store = assert(vim.env.LESSONL_HOME, 'LESSONL_HOME is not set: run editors/nvim/test.sh')
  vim.o.columns, vim.o.lines = 160, 50
  vim.cmd('runtime plugin/lessonl.lua')
  local lessonl = require('lessonl')
  local compat = require('lessonl.compat')
  local state = lessonl._state
  local notes = H.record_notify()
  -- A transcript of the session for the README (LESSONL_TEST_TRANSCRIPT=file).
  local transcript = {}
  local function say(text)
    vim.list_extend(transcript, vim.split(text, '\n', { plain = true }))
  end
  local recorded = vim.notify
  vim.notify = function(msg, level)
    local tag = level == vim.log.levels.ERROR and 'E: ' or (level == vim.log.levels.WARN and 'W: ' or '')
    say('  ' .. tag .. msg)
    return recorded(msg, level)
  end
  local function cmd(c)
    say(':' .. c)
    vim.cmd(c)
  end
  local function show(title, text)
    say('--- ' .. title)
    say(text)
    say('---')
  end
  local function notes_text()
    local t = {}
    for _, n in ipairs(notes) do
      t[#t + 1] = string.format('[%s] %s', tostring(n.level), n.msg)
    end
    return table.concat(t, '\n')
  end
  local function server_log()
    return table.concat(state.messages, '\n')
  end
  local src, client
  local function detail()
    local buf = src and api.nvim_buf_is_valid(src) and ('\nsource buffer:\n' .. H.buffer_text(src)) or ''
    return 'notifications:\n' .. notes_text() .. '\nserver messages:\n' .. server_log() .. buf
  end
  -- Waits for cond, failing at once (not after ms) if the server died.
  local function wait(ms, cond, what)
    H.wait(ms, function()
      if client and compat.is_stopped(client) then
        error('the server exited while waiting for ' .. what .. '\n' .. detail(), 0)
      end
      return cond()
    end, what, detail)
  end

  local function line_of(pat)
    for i, l in ipairs(api.nvim_buf_get_lines(src, 0, -1, false)) do
      if l:find(pat, 1, true) then
        return i
      end
    end
    error('no line with ' .. pat)
  end

  -- Every step needs the ones before it: stop at the first failure.
  local function step(name, fn)
    if not H.test(name, fn) then
      error('stopping after the failed step: ' .. name .. '\n' .. detail(), 0)
    end
  end

  step('setup with the scripted team', function()
    H.eq(lessonl.setup({
      models = { 'alpha:1b@' .. url, 'beta:1b@' .. url },
      rounds = 1,
      lessons = 2,
      timeout = '3m',
      store = store,
    }), true, 'setup')
    H.eq(#notes, 0, 'no warnings: ' .. notes_text())
  end)

  step('a Go buffer starts and attaches the server', function()
    say(':edit maxof.go')
    vim.cmd('edit ' .. vim.fn.fnameescape(mod .. '/maxof.go'))
    src = api.nvim_get_current_buf()
    wait(30000, function()
      client = compat.get_clients({ bufnr = src, name = 'lessonl' })[1]
      return client ~= nil and compat.is_ready(client)
    end, 'the lessonl client to initialize')
    H.eq(client.config.root_dir, mod, 'root at the go.mod')
    H.eq(client.config.settings.lessonl.rounds, 1, 'settings passed')
  end)

  step(':Lessonl optimize outside a function says so, once', function()
    api.nvim_win_set_cursor(0, { line_of('package maxof'), 0 })
    say('" cursor on the package clause')
    cmd('Lessonl optimize')
    local function count()
      local n = 0
      for _, note in ipairs(notes) do
        if note.msg:find('put the cursor inside a function', 1, true) then
          n = n + 1
        end
      end
      return n
    end
    wait(15000, function() return count() > 0 and lessonl.running() == 0 end, 'the refusal')
    vim.wait(500) -- room for a duplicate to arrive
    H.eq(count(), 1, 'one message (the server shows it; the error response is not shown again)')
    H.eq(lessonl.last_result(), nil, 'no result')
  end)

  local result
  step(':Lessonl optimize runs with progress and finds the faster variant', function()
    api.nvim_win_set_cursor(0, { line_of('func Max') + 3, 1 })
    say('" cursor inside Max')
    cmd('Lessonl optimize')
    wait(30000, function() return #state.tracker:active() > 0 end, 'progress to begin')
    local run = state.tracker:active()[1]
    H.eq(run.title, 'Optimizing Max', 'progress title')
    H.eq(run.cancellable, true, 'cancellable')
    H.contains(lessonl.status(), 'LessonL: Optimizing Max', 'statusline while running')
    wait(200000, function() return lessonl.running() == 0 end, 'the run to finish')
    result = lessonl.last_result()
    H.truthy(result, 'a result: ' .. detail())
    H.eq({ result.func, result.verdict, result.agent, result.round }, { 'Max', 'faster', 'alpha:1b@' .. url, 1 },
      'result')
    H.truthy(result.speedup > 1 and result.speedup_low > 1, 'speedup above 1: ' .. vim.inspect(result))
    H.contains(result.original, 'for j := i; j > 0', 'original')
    H.contains(result.variant, 'm := xs[0]', 'variant')
    H.eq(result.uri, vim.uri_from_bufnr(src), 'uri')
    local text = notes_text()
    H.contains(text, { 'LessonL: Optimizing Max: starting', ':Lessonl cancel to stop',
      'LessonL: Max is ', 'faster (by alpha:1b in round 1)',
      ':Lessonl diff to review Max, :Lessonl apply' },
      'notifications')
    H.eq(lessonl.status(), string.format('LessonL: Max %.2f×', result.speedup), 'statusline after')
    H.eq(vim.fn.getcompletion('Lessonl apply ', 'cmdline'), { 'Max' }, 'function completion')
  end)

  step('code lenses show the speedup, and the Diff lens opens the side-by-side diff', function()
    wait(15000, function() return #vim.lsp.codelens.get(src) >= 3 end, 'the lenses')
    local lenses = vim.lsp.codelens.get(src)
    local titles = {}
    for _, l in ipairs(lenses) do
      titles[#titles + 1] = l.command and l.command.title
    end
    local in_order = table.concat(titles, ' · ')
    table.sort(titles)
    local want = { 'Apply', 'Diff', string.format('⚡ %.2f× faster', result.speedup) }
    table.sort(want)
    H.eq(titles, want, 'lens titles')
    api.nvim_win_set_cursor(0, { lenses[1].range.start.line + 1, 0 })
    local select = vim.ui.select
    vim.ui.select = function(items, _, on_choice)
      for _, it in ipairs(items) do
        if it.lens.command.title == 'Diff' then
          return on_choice(it)
        end
      end
      on_choice(nil)
    end
    show('code lenses above Max', in_order)
    say(':lua vim.lsp.codelens.run()   " and choose Diff')
    local ok, err = pcall(vim.lsp.codelens.run)
    vim.ui.select = select
    assert(ok, err)
    H.eq(#api.nvim_list_tabpages(), 2, 'the Diff lens opened a tab')
    H.contains(api.nvim_buf_get_name(0), 'lessonl://Max/', 'a diff buffer')
    vim.cmd('tabclose')
    H.eq(api.nvim_get_current_buf(), src, 'back in the source')
  end)

  step(':Lessonl lessons shows the lessons in a float', function()
    api.nvim_win_set_cursor(0, { line_of('func Max') + 2, 1 })
    local before = api.nvim_get_current_win()
    cmd('Lessonl lessons')
    wait(10000, function() return api.nvim_get_current_win() ~= before end, 'the float')
    local win = api.nvim_get_current_win()
    H.truthy(api.nvim_win_get_config(win).relative ~= '', 'a floating window')
    show('lessons float', H.buffer_text(0))
    H.contains(H.buffer_text(0), { 'lessons for Max', 'A single pass that keeps the running maximum',
      'undefined helper maxOf' }, 'lessons')
    vim.cmd('close')
  end)

  step('the code action "Show lessons for this function" runs through the plugin', function()
    api.nvim_win_set_cursor(0, { line_of('func Max') + 2, 1 })
    local titles
    local select = vim.ui.select
    vim.ui.select = function(items, opts, on_choice)
      titles = {}
      local pick
      for _, it in ipairs(items) do
        local title = opts.format_item and opts.format_item(it) or it[2].title
        titles[#titles + 1] = title
        if title:find('Show lessons', 1, true) then
          pick = it
        end
      end
      on_choice(pick)
    end
    local before = api.nvim_get_current_win()
    say(':lua vim.lsp.buf.code_action()   " and choose Show lessons for this function')
    local ok, err = pcall(vim.lsp.buf.code_action)
    H.truthy(ok, tostring(err))
    wait(10000, function() return titles ~= nil and api.nvim_get_current_win() ~= before end, 'the lessons float')
    vim.ui.select = select
    show('code actions on Max', table.concat(titles, '\n'))
    H.contains(table.concat(titles, '\n'), { 'Optimize with lessons', 'Apply optimized variant (',
      'Show lessons for this function' }, 'actions')
    H.contains(H.buffer_text(0), 'lessons for Max', 'the float')
    vim.cmd('close')
  end)

  step(':Lessonl apply sends the variant shown: one the server no longer has is refused', function()
    local r = state.results[vim.uri_from_bufnr(src)].Max
    local shown = r.variant
    r.variant = 'func Max(xs []int) int { return 0 }'
    local before = #notes
    H.eq(api.nvim_get_current_buf(), src, 'in the source')
    cmd('Lessonl apply Max')
    wait(10000, function()
      for i = before + 1, #notes do
        if notes[i].msg:find('a later run replaced the variant of Max you reviewed', 1, true) then
          return true
        end
      end
    end, 'the refusal of a replaced variant')
    r.variant = shown
    H.contains(H.buffer_text(src), 'for j := i; j > 0', 'nothing written')
  end)

  step(':Lessonl diff opens original and variant side by side', function()
    cmd('Lessonl diff')
    local wins = api.nvim_tabpage_list_wins(0)
    H.eq(#wins, 2, 'two windows in the diff tab')
    H.eq(#api.nvim_list_tabpages(), 2, 'a new tab')
    local left, right = api.nvim_win_get_buf(wins[1]), api.nvim_win_get_buf(wins[2])
    H.eq({ vim.wo[wins[1]].diff, vim.wo[wins[2]].diff }, { true, true }, 'diff mode')
    H.contains(api.nvim_buf_get_name(left), 'lessonl://Max/original', 'left name')
    H.contains(api.nvim_buf_get_name(right), 'lessonl://Max/variant-', 'right name')
    show('left window: ' .. api.nvim_buf_get_name(left), H.buffer_text(left))
    show('right window: ' .. api.nvim_buf_get_name(right), H.buffer_text(right))
    H.eq(H.buffer_text(left), vim.trim(result.original), 'left is the original')
    H.eq(H.buffer_text(right), vim.trim(result.variant), 'right is the variant')
    H.eq(vim.bo[left].modifiable, false, 'read-only')
    H.eq(vim.bo[right].syntax, 'go', 'Go highlighting')
    H.contains(H.buffer_text(src), 'for j := i; j > 0', 'nothing written before apply')
  end)

  step(':Lessonl apply (from the diff) writes the variant into the buffer', function()
    local before = #notes
    local function refusal()
      for i = before + 1, #notes do
        if notes[i].level >= vim.log.levels.WARN then
          return notes[i].msg
        end
      end
    end
    cmd('Lessonl apply')
    wait(20000, function()
      return H.buffer_text(src):find('m := xs[0]', 1, true) ~= nil or refusal() ~= nil
    end, 'the edit')
    H.eq(refusal(), nil, 'the apply was refused')
    local text = H.buffer_text(src)
    H.not_contains(text:sub(1, text:find('func Min', 1, true)), 'for j := i', 'Max replaced')
    H.contains(text, { 'func Min(xs []int) int {', 'return s[0]' }, 'Min untouched')
    H.eq(vim.bo[src].modified, true, 'modified, not saved')
    local lines = api.nvim_buf_get_lines(src, 0, -1, false)
    show('maxof.go after apply (Max)', table.concat(lines, '\n', line_of('func Max'), line_of('func Min') - 4))
    wait(5000, function() return #api.nvim_list_tabpages() == 1 end, 'the diff tab to close')
    H.eq(api.nvim_get_current_buf(), src, 'back in the source')
    wait(5000, function() return notes_text():find('applied the', 1, true) ~= nil end, 'apply message')
  end)

  step('a second apply is refused: the function is no longer the one measured', function()
    local text = H.buffer_text(src)
    local before = #notes
    cmd('Lessonl apply Max')
    local function refusal()
      for i = before + 1, #notes do
        if notes[i].msg:find('changed since it was optimized', 1, true) then
          return notes[i]
        end
      end
    end
    wait(10000, function() return refusal() ~= nil end, 'the refusal')
    vim.wait(300) -- room for a duplicate
    H.eq(refusal().level, vim.log.levels.WARN, 'a warning')
    H.eq(#notes - before, 1, 'shown once')
    H.eq(H.buffer_text(src), text, 'the buffer is untouched')
  end)

  step('hover on the function shows the speedup', function()
    local row = line_of('func Max')
    api.nvim_win_set_cursor(0, { row, 6 })
    local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
    local res = vim.lsp.buf_request_sync(src, 'textDocument/hover', params, 10000) or {}
    local hover = res[client.id] and res[client.id].result
    H.truthy(hover, 'a hover from lessonl: ' .. vim.inspect(res))
    local value = hover.contents.value or hover.contents
    show('hover on Max', value)
    H.contains(value, { string.format('%.2f× faster', result.speedup), 'alpha:1b', 'round 1' }, 'hover')
  end)

  step(':Lessonl report opens the run report', function()
    api.nvim_win_set_cursor(0, { line_of('func Max') + 1, 1 })
    cmd('Lessonl report')
    H.contains(api.nvim_buf_get_name(0), vim.uri_to_fname(result.report_uri), 'report file')
    H.contains(H.buffer_text(0), 'Max', 'report text')
    vim.cmd('tabclose')
    H.eq(api.nvim_get_current_buf(), src, 'back in the source')
  end)

  step(':Lessonl cancel stops a hanging run with window/workDoneProgress/cancel', function()
    api.nvim_win_set_cursor(0, { line_of('func Min') + 3, 1 })
    say('" cursor inside Min (its scripted model never answers)')
    cmd('Lessonl optimize')
    wait(60000, function()
      local run = state.tracker:active()[1]
      return run and run.title == 'Optimizing Min' and (run.message or ''):find('round 1/1', 1, true) ~= nil
    end, 'the Min run to reach its round')
    local tokens = vim.tbl_map(function(r) return r.token end, state.tracker:active())
    say(':Lessonl cancel')
    H.eq(lessonl.cancel(), 1, 'one run asked to stop')
    wait(60000, function() return lessonl.running() == 0 end, 'the run to stop')
    H.contains(notes_text(), { 'LessonL: canceling 1 run', 'Optimizing Min: canceled' }, 'notifications')
    H.contains(server_log(), "cancelled by the client's progress cancel", 'the server saw the progress cancel')
    H.eq(lessonl.last_result().func, 'Max', 'no result for the canceled run')
    H.eq(#tokens, 1, 'one token tracked')
  end)

  step('setup() again reaches the running server at once', function()
    H.eq(lessonl.setup({
      models = { 'alpha:1b@' .. url, 'beta:1b@' .. url },
      rounds = 1,
      lessons = 3,
      timeout = '3m',
      store = store,
    }), true, 'setup')
    H.eq(client.config.settings.lessonl.lessons, 3, 'the client answers workspace/configuration with the new value')
    wait(10000, function() return server_log():find('lessons=3', 1, true) ~= nil end, 'the server to log lessons=3')
    H.eq(#compat.get_clients({ name = 'lessonl' }), 1, 'still one server')
  end)

  step(':Lessonl log shows the server messages', function()
    cmd('Lessonl log')
    H.contains(H.buffer_text(0), { 'LessonL server messages', 'INFO', 'Max is ' }, 'log buffer')
    vim.cmd('close')
  end)

  step(':checkhealth lessonl sees the server, Ollama, the models and the store', function()
    cmd('checkhealth lessonl')
    local text = H.buffer_text(0)
    show('checkhealth lessonl', text)
    H.contains(text, {
      'OK: lessonl ', 'OK: server running',
      'OK: Ollama 0.17.4 at ' .. url, 'OK: model alpha:1b is pulled', 'OK: model beta:1b is pulled',
      'OK: ' .. store .. ' is writable',
    }, 'health')
    H.not_contains(text, 'ERROR', 'health errors')
  end)

  step('health reaches Ollama with curl and without it', function()
    local health = require('lessonl.health')
    for _, m in ipairs(vim.fn.executable('curl') == 1 and { 'curl', 'luv' } or { 'luv' }) do
      local body, err = health.http_get(url .. '/api/tags', 5000, m)
      H.truthy(body, m .. ': ' .. tostring(err))
      H.contains(body, 'alpha:1b', m .. ' tags')
    end
  end)

  if vim.env.LESSONL_TEST_TRANSCRIPT then
    vim.fn.writefile(transcript, vim.env.LESSONL_TEST_TRANSCRIPT)
  end
end)
