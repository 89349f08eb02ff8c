-- Unit tests of the plugin's own logic (no server): options, the command
-- line, progress tracking, health helpers, rendering, the plugin file.
-- Run: nvim --headless --clean -u NONE --cmd 'set rtp+=editors/nvim' -c 'luafile editors/nvim/tests/unit.lua'
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local uv = vim.uv or vim.loop
local H = dofile(here .. '/harness.lua')

H.main(function()
  local config = require('lessonl.config')
  local command = require('lessonl.command')
  local progress = require('lessonl.progress')
  local health = require('lessonl.health')
  local lessonl = require('lessonl')

  H.test('config: valid options pass', function()
    local cases = {
      {},
      { models = { 'qwen2.5-coder:7b', 'deepseek-coder:6.7b@http://gpu:11434' } },
      { rounds = 1, lessons = 0, scope = 'project', timeout = '1h30m', floor = 0.05, sandbox = false, codeLens = true },
      { ollamaHost = '127.0.0.1:11434', store = '~/lessons', server_path = '/opt/lessonl', filetypes = { 'go' } },
      { cmd = { 'lessonl', 'serve', '--verbose' } },
      { timeout = '90s' }, { timeout = '1.5h' }, { timeout = '250ms' }, { scope = 'all' }, { scope = 'problem' },
    }
    for _, opts in ipairs(cases) do
      local ok, err = config.validate(opts)
      H.eq(ok, true, 'validate ' .. vim.inspect(opts) .. ': ' .. tostring(err))
    end
    H.eq(config.validate(nil), true, 'nil opts')
  end)

  H.test('config: invalid options name the key, the problem and a fix', function()
    local cases = {
      { { rounds = 0 }, { 'rounds = 0', 'whole number >= 1', 'rounds = 2' } },
      { { rounds = 1.5 }, { 'rounds = 1.5', 'whole number' } },
      { { rounds = '2' }, { 'rounds', 'expected number', 'got string' } },
      { { lessons = -1 }, { 'lessons = -1', '>= 0' } },
      { { scope = 'global' }, { 'scope = "global"', '"problem", "project" or "all"' } },
      { { timeout = '5 minutes' }, { 'timeout = "5 minutes"', 'Go duration' } },
      { { timeout = 300 }, { 'timeout', 'expected string' } },
      { { timeout = '5' }, { 'timeout = "5"' } },
      { { floor = 1.5 }, { 'floor = 1.5', 'between 0 and 1' } },
      { { sandbox = 'yes' }, { 'sandbox', 'expected boolean' } },
      { { codeLens = 1 }, { 'codeLens', 'expected boolean' } },
      { { models = 'qwen2.5-coder:7b' }, { 'models', 'expected table', 'MODEL@HOST' } },
      { { models = {} }, { 'models = {}', 'non-empty list' } },
      { { models = { 'a b' } }, { 'models', 'MODEL@HOST' } },
      { { models = { 'm@' } }, { 'models' } },
      { { models = { '@host' } }, { 'models' } },
      { { cmd = {} }, { 'cmd = {}', 'non-empty list' } },
      { { cmd = 'lessonl serve' }, { 'cmd', 'expected table' } },
      { { server_path = '' }, { 'server_path = ""' } },
      { { filetypes = { 1 } }, { 'filetypes' } },
      { { ollamaHost = 'http://a b' }, { 'ollamaHost' } },
      { { modles = { 'x' } }, { 'unknown option "modles"', 'did you mean models?', 'the options are' } },
      { { ollama_host = 'x' }, { 'unknown option "ollama_host"', 'did you mean ollamaHost?' } },
      { { codelens = true }, { 'did you mean codeLens?' } },
      { { zzzzzzzzzzzz = 1 }, { 'unknown option "zzzzzzzzzzzz"; the options are cmd, codeLens' } },
      { { [1] = 'go' }, { 'unknown option 1' } },
      { 'go', { 'setup() takes a table of options, got string' } },
    }
    for _, c in ipairs(cases) do
      local ok, err = config.validate(c[1])
      H.eq(ok, false, 'validate ' .. vim.inspect(c[1]))
      H.contains(err, c[2], 'message for ' .. vim.inspect(c[1]))
      H.contains(err, { 'lessonl: ' }, 'prefix')
    end
  end)

  H.test('config: durations and models', function()
    for s, want in pairs({ ['5m'] = true, ['1h30m'] = true, ['0.5s'] = true, ['10us'] = true, ['1.s'] = true,
      [''] = false, ['5'] = false, ['m'] = false, ['5 m'] = false, ['5d'] = false, ['-5m'] = false }) do
      H.eq(config.is_duration(s), want, 'is_duration(' .. s .. ')')
    end
    for s, want in pairs({ ['a:1b'] = true, ['a@http://h:1'] = true, ['a@b@c'] = false, [''] = false,
      ['a b'] = false }) do
      H.eq(config.is_model(s), want, 'is_model(' .. s .. ')')
    end
  end)

  H.test('config: merge replaces lists, settings keep only server keys', function()
    local cfg = config.merge(config.defaults, { filetypes = { 'go' }, rounds = 2, store = '~/st', server_path = 'x' })
    H.eq(cfg.filetypes, { 'go' }, 'filetypes replaced, not merged index-wise')
    H.eq(config.defaults.filetypes, { 'go', 'c', 'cpp' }, 'defaults untouched')
    local s = config.settings(cfg)
    H.eq(s, { rounds = 2, store = vim.fn.expand('~/st') }, 'settings')
    H.eq(config.cmd(cfg), { 'x', 'serve' }, 'cmd from server_path')
    H.eq(config.cmd(config.merge(cfg, { cmd = { 'y', 'serve', '-v' } })), { 'y', 'serve', '-v' }, 'cmd wins')
    H.eq(config.settings(config.defaults), {}, 'no server key set by default')
  end)

  H.test('command: parse', function()
    local cases = {
      { { 'optimize' }, { name = 'optimize' } },
      { { 'apply', 'Max' }, { name = 'apply', arg = 'Max' } },
      { { 'diff', '(*T).M' }, { name = 'diff', arg = '(*T).M' } },
      { { 'opt' }, { name = 'optimize' } },
      { { 'ca' }, { name = 'cancel' } },
      { { 'log' }, { name = 'log' } },
      { { 'log', 'lsp' }, { name = 'log', arg = 'lsp' } },
      { { 'lessons' }, { name = 'lessons' } },
      { { 'report', 'Max' }, { name = 'report', arg = 'Max' } },
    }
    for _, c in ipairs(cases) do
      local got, err = command.parse(c[1])
      H.eq(got, c[2], 'parse ' .. vim.inspect(c[1]) .. ' ' .. tostring(err))
    end
    local bad = {
      { {}, { 'missing subcommand', 'optimize', 'usage' } },
      { { 'frobnicate' },
        { 'unknown subcommand "frobnicate"', 'optimize, apply, diff, cancel, lessons, report, log' } },
      { { 'l' }, { 'unknown subcommand "l"' } }, -- lessons or log: ambiguous
      { { 'cancel', 'now' }, { 'cancel takes no argument', 'remove "now"' } },
      { { 'apply', 'A', 'B' }, { 'apply takes at most one argument', 'remove "B"' } },
      { { 'log', 'x' }, { 'log takes "server" or "lsp"' } },
    }
    for _, c in ipairs(bad) do
      local got, err = command.parse(c[1])
      H.eq(got, nil, 'parse ' .. vim.inspect(c[1]))
      H.contains(err, c[2], 'message for ' .. vim.inspect(c[1]))
    end
  end)

  H.test('command: complete', function()
    local funcs = function() return { 'Max', 'Min', '(*T).M' } end
    local cases = {
      { '', 'Lessonl ', { 'optimize', 'apply', 'diff', 'cancel', 'lessons', 'report', 'log' } },
      { 'l', 'Lessonl l', { 'lessons', 'log' } },
      { 'o', "'<,'>Lessonl o", { 'optimize' } },
      { '', 'Lessonl apply ', { 'Max', 'Min', '(*T).M' } },
      { 'M', 'Lessonl diff M', { 'Max', 'Min' } },
      { '', 'Lessonl log ', { 'server', 'lsp' } },
      { '', 'Lessonl cancel ', {} },
      { '', 'Lessonl apply Max ', {} },
      { 'x', 'Lessonl x', {} },
    }
    for _, c in ipairs(cases) do
      H.eq(command.complete(c[1], c[2], #c[2], funcs), c[3], 'complete ' .. vim.inspect(c[2]))
    end
  end)

  H.test('progress: begin, report, end', function()
    local t = progress.new()
    H.eq(t:update(1, 'tok', { kind = 'report', message = 'x' }), nil, 'report before begin is ignored')
    local ev, run = t:update(1, 'tok', { kind = 'begin', title = 'Optimize Max', cancellable = true, percentage = 0 })
    H.eq(ev, 'begin', 'begin')
    H.eq(run.cancellable, true, 'cancellable')
    ev, run = t:update(1, 'tok', { kind = 'report', message = 'round 1/2 · a:1b · 1.84×', percentage = 40 })
    H.eq(ev, 'report', 'report')
    H.eq(progress.format(run), 'Optimize Max: round 1/2 · a:1b · 1.84× (40%)', 'format')
    -- A numeric token and the same digits as a string are different tokens.
    t:update(1, 7, { kind = 'begin', title = 'n' })
    t:update(1, '7', { kind = 'begin', title = 's' })
    t:update(2, 'tok', { kind = 'begin', title = 'other client' })
    H.eq(#t:active(), 4, 'four runs')
    H.eq(#t:active(1), 3, 'three on client 1')
    H.eq(t:active(1)[1].token, 'tok', 'oldest first')
    ev, run = t:update(1, 'tok', { kind = 'end', message = 'completed' })
    H.eq({ ev, run.done, run.message }, { 'end', true, 'completed' }, 'end')
    H.eq(progress.format(run), 'Optimize Max: completed', 'format after end has no percentage')
    H.eq(t:update(1, 'tok', { kind = 'end' }), nil, 'second end ignored')
    H.eq(t:update(1, 'x', 'not a table'), nil, 'non-table value')
    t:drop_client(1)
    H.eq(#t:active(), 1, 'dropped client 1')
    H.eq(t:active()[1].title, 'other client', 'client 2 kept')
  end)

  H.test('health: hosts, models, store', function()
    H.eq(health.normalize_host('127.0.0.1'), 'http://127.0.0.1:11434', 'bare host')
    H.eq(health.normalize_host('http://h:9/'), 'http://h:9', 'trailing slash')
    H.eq(health.normalize_host('https://h'), 'https://h:443', 'https port')
    H.eq(health.normalize_host(''), nil, 'empty')
    H.eq(health.normalize_model('Qwen2.5-Coder'), 'qwen2.5-coder:latest', 'latest tag')
    H.eq(health.normalize_model('hf.co/x/y:q4'), 'hf.co/x/y:q4', 'tag kept')
    H.eq(health.normalize_model('reg:5000/x'), 'reg:5000/x:latest', 'port is not a tag')
    local agents, src = health.agents({ models = { 'a:1b', 'b@h2:1' }, ollamaHost = 'h1' }, {})
    H.eq(agents, { { model = 'a:1b', host = 'http://h1:11434' }, { model = 'b', host = 'http://h2:1' } }, 'agents')
    H.eq(src, 'the models option', 'source')
    agents, src = health.agents({}, { LESSONL_MODELS = 'x, y@h3', OLLAMA_HOST = 'h4:2' })
    H.eq(agents, { { model = 'x', host = 'http://h4:2' }, { model = 'y', host = 'http://h3:11434' } }, 'env agents')
    H.eq(src, 'LESSONL_MODELS', 'env source')
    agents = health.agents({}, {})
    H.eq(#agents, 3, 'default team')
    H.eq(agents[1].host, 'http://127.0.0.1:11434', 'default host')
    H.eq(health.store_dir({ store = '/s' }, { LESSONL_HOME = '/h' }), '/s', 'store option first')
    H.eq(health.store_dir({}, { LESSONL_HOME = '/h', XDG_DATA_HOME = '/x' }), '/h', 'LESSONL_HOME')
    H.eq(health.store_dir({}, { XDG_DATA_HOME = '/x' }), '/x/lessonl', 'XDG_DATA_HOME')
    local tmp = vim.fn.tempname()
    vim.fn.mkdir(tmp, 'p')
    local ok, why = health.writable(tmp)
    H.eq({ ok, why }, { true, 'exists' }, 'writable dir')
    ok, why = health.writable(tmp .. '/a/b')
    H.eq({ ok, why }, { true, 'will be created under ' .. tmp }, 'missing dir under a writable one')
    H.eq(#vim.fn.readdir(tmp), 0, 'probe removed')
    if uv.getuid() ~= 0 then -- root writes anywhere
      vim.fn.setfperm(tmp, 'r-xr-xr-x')
      ok = health.writable(tmp)
      H.eq(ok, false, 'read-only dir')
    end
  end)

  H.test('health: http_get over a raw socket', function()
    -- A one-shot HTTP server on the same event loop.
    local server = uv.new_tcp()
    server:bind('127.0.0.1', 0)
    local port = server:getsockname().port
    server:listen(8, function()
      local c = uv.new_tcp()
      server:accept(c)
      local req = ''
      c:read_start(function(_, data)
        if not data then
          c:close()
          return
        end
        req = req .. data
        if req:find('\r\n\r\n', 1, true) then
          local path = req:match('^GET (%S+)')
          local status, body = '200 OK', '{"version":"9.9.9"}'
          if path ~= '/api/version' then
            status, body = '404 Not Found', '{"error":"no"}'
          end
          c:write('HTTP/1.1 ' .. status .. '\r\nContent-Type: application/json\r\nContent-Length: ' .. #body
            .. '\r\nConnection: close\r\n\r\n' .. body, function() c:close() end)
        end
      end)
    end)
    local base = 'http://127.0.0.1:' .. port
    -- Only the raw-socket path can be served from this same event loop (curl
    -- would block it); the e2e test checks both against a separate process.
    local methods = { 'luv' }
    for _, m in ipairs(methods) do
      local body, err = health.http_get(base .. '/api/version', 3000, m)
      H.eq(vim.json.decode(body or 'null'), { version = '9.9.9' }, m .. ' body ' .. tostring(err))
      body, err = health.http_get(base .. '/nope', 3000, m)
      H.eq(body, nil, m .. ' 404')
      H.contains(err, '404', m .. ' error')
    end
    server:close()
    local body, err = health.http_get('http://127.0.0.1:' .. port .. '/api/version', 1000, 'luv')
    H.eq(body, nil, 'closed port')
    H.truthy(err, 'closed port has an error')
  end)

  H.test('go function under the cursor', function()
    local buf = vim.api.nvim_create_buf(true, false)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, {
      'package p', '', '// Max doc', 'func Max(xs []int) int {', '\treturn 0', '}', '',
      'func (t *Tree) Len() int {', '\treturn 1', '}', 'func (Tree) Depth() int { return 0 }', 'var x = 1',
    })
    local cases = { { 1, nil }, { 4, 'Max' }, { 5, 'Max' }, { 6, 'Max' }, { 7, nil }, { 9, '(*Tree).Len' },
      { 11, 'Tree.Depth' }, { 12, nil } }
    for _, c in ipairs(cases) do
      H.eq(lessonl._go_func_at(buf, c[1]), c[2], 'line ' .. c[1])
    end
    vim.api.nvim_buf_delete(buf, { force = true })
  end)

  H.test('C/C++ function under the cursor, from the results\' original text', function()
    local buf = vim.api.nvim_create_buf(true, false)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, {
      '#include <vector>', '', 'namespace ns {', 'int sum(const std::vector<int>& v) {', '  int s = 0;',
      '  for (int x : v) s += x;', '  return s;', '}', '', 'int one() { return 1; }', '}',
    })
    local results = {
      ['ns::sum'] = {
        func = 'ns::sum',
        original = 'int sum(const std::vector<int>& v) {\n  int s = 0;\n  for (int x : v) s += x;\n  return s;\n}\n',
      },
      ['ns::one'] = { func = 'ns::one', original = 'int one() { return 1; }' },
      ['gone'] = { func = 'gone', original = 'int gone() {\n}' },
    }
    local cases = { { 1, nil }, { 4, 'ns::sum' }, { 6, 'ns::sum' }, { 8, 'ns::sum' }, { 9, nil }, { 10, 'ns::one' },
      { 11, nil } }
    for _, c in ipairs(cases) do
      local r = lessonl._result_at(buf, c[1], results)
      H.eq(r and r.func, c[2], 'line ' .. c[1])
    end
    vim.api.nvim_buf_delete(buf, { force = true })
  end)

  H.test('render lessons and reports of any shape', function()
    H.eq(lessonl._render('# L\n\n1. a\n', 'x'), { '# L', '', '1. a' }, 'markdown string')
    H.eq(lessonl._render({ markdown = 'a\nb' }, 'x'), { 'a', 'b' }, 'markdown field')
    H.eq(lessonl._render(vim.NIL, 'Lessons for F'), { '# Lessons for F', '', '(nothing yet)' }, 'null')
    H.eq(lessonl._render({ lessons = { { text = 'Use a scan.', outcome = 'faster', model = 'a:1b', round = 0,
      speedup = 2.5 } } }, 'Lessons for F'),
      { '# Lessons for F', '', '1. Use a scan.', '   _faster · a:1b · round 0 · 2.50×_' }, 'lesson list')
    H.eq(lessonl._render({}, 'T'), { '# T', '', '(no lessons yet)' }, 'empty list')
  end)

  H.test('describe a result', function()
    H.eq(lessonl.describe({ func = 'Max', verdict = 'faster', speedup = 2.3149, speedup_low = 2.1,
      speedup_high = 2.5, agent = 'a:1b', round = 1 }), 'Max is 2.31× faster [2.10, 2.50] (a:1b, round 1)', 'faster')
    H.eq(lessonl.describe({ func = 'Max', verdict = 'same', speedup = 1.01 }),
      'no verified speedup for Max: best variant is same, 1.01×', 'same')
  end)

  H.test('plugin file: one command, <Plug> maps, no default keymaps, guarded', function()
    local before = vim.api.nvim_get_keymap('n')
    vim.cmd('runtime plugin/lessonl.lua')
    H.eq(vim.g.loaded_lessonl, 1, 'loaded flag')
    H.eq(vim.fn.exists(':Lessonl'), 2, ':Lessonl defined')
    vim.cmd('command! Lessonl echo "replaced"')
    vim.cmd('runtime plugin/lessonl.lua') -- a second load must not redefine anything
    H.contains(vim.api.nvim_get_commands({}).Lessonl.definition, 'replaced', 'second load is a no-op')
    vim.g.loaded_lessonl = nil
    vim.cmd('runtime plugin/lessonl.lua')
    H.not_contains(vim.api.nvim_get_commands({}).Lessonl.definition or '', 'replaced', 'reloaded')
    for _, p in ipairs({ 'optimize', 'apply', 'diff', 'cancel', 'lessons', 'report', 'log' }) do
      H.truthy(vim.fn.maparg('<Plug>(lessonl-' .. p .. ')', 'n') ~= '' or
        vim.fn.maparg('<Plug>(lessonl-' .. p .. ')', 'n', false, true).callback ~= nil, 'plug map ' .. p)
    end
    H.truthy(vim.fn.maparg('<Plug>(lessonl-optimize)', 'x') ~= '', 'visual optimize')
    local added = {}
    for _, m in ipairs(vim.api.nvim_get_keymap('n')) do
      if not m.lhs:find('<Plug>', 1, true) then
        added[m.lhs] = true
      end
    end
    for _, m in ipairs(before) do
      added[m.lhs] = nil
    end
    H.eq(added, {}, 'no default keymaps')
    H.eq(vim.fn.getcompletion('Lessonl ', 'cmdline'),
      { 'optimize', 'apply', 'diff', 'cancel', 'lessons', 'report', 'log' }, 'cmdline completion')
    H.eq(vim.fn.getcompletion('Lessonl log ', 'cmdline'), { 'server', 'lsp' }, 'log completion')
    local notes = H.capture_notify(function() vim.cmd('Lessonl frob') end)
    H.contains(notes[1] and notes[1].msg, 'unknown subcommand "frob"', ':Lessonl frob')
    H.eq(notes[1].level, vim.log.levels.ERROR, 'error level')
  end)

  H.test(':Lessonl cancel with nothing running says so', function()
    local notes = H.capture_notify(function() vim.cmd('Lessonl cancel') end)
    H.contains(notes[1] and notes[1].msg, 'nothing is running', 'cancel')
  end)

  H.test(':Lessonl diff, apply and lessons explain what is missing', function()
    vim.cmd('enew')
    vim.bo.filetype = 'text'
    for _, sub in ipairs({ 'diff', 'apply', 'lessons', 'report' }) do
      local notes = H.capture_notify(function() vim.cmd('Lessonl ' .. sub) end)
      H.contains(notes[1] and notes[1].msg, 'no function here: put the cursor in a function or name it', sub)
    end
    -- Named, it goes to the server (which may know a result from an earlier
    -- session); with no server, the message says how to get one: install it
    -- when the binary is missing, start it when it is there (test.sh puts a
    -- freshly built one on PATH).
    local notes = H.capture_notify(function() vim.cmd('Lessonl apply Max') end)
    local want = 'go install github.com/lessonl/lessonl/cmd/lessonl@latest'
    if vim.fn.executable('lessonl') == 1 then
      want = 'the server is not running; open a Go file'
    end
    H.contains(notes[1] and notes[1].msg, want, 'apply Max')
  end)

  H.test('progress on plain Neovim: begin and cancel are messages, reports are only echoed', function()
    H.truthy(require('lessonl.compat').builtin_notify(), "vim.notify is Neovim's own")
    local orig = vim.lsp.handlers['$/progress']
    local passed = {}
    vim.lsp.handlers['$/progress'] = function(_, result) passed[#passed + 1] = result.value.kind end
    vim.cmd('messages clear')
    local h = lessonl.handlers()['$/progress']
    local ctx = { client_id = 42, method = '$/progress' }
    local ok, err = pcall(function()
      h(nil, { token = 't1', value = { kind = 'begin', title = 'Optimizing Max', message = 'starting', percentage = 0,
        cancellable = true } }, ctx)
      h(nil, { token = 't1', value = { kind = 'report', message = 'round 1/2 · a:1b · 1.84×', percentage = 40 } }, ctx)
      H.eq(lessonl.status(), 'LessonL: Optimizing Max: round 1/2 · a:1b · 1.84× (40%)', 'status while running')
      H.eq(lessonl.running(), 1, 'running')
      h(nil, { token = 't1', value = { kind = 'end', message = 'canceled: lessons learned so far are kept' } }, ctx)
      h(nil, { token = 't2', value = { kind = 'begin', title = 'Optimizing Min', message = 'starting' } }, ctx)
      h(nil, { token = 't2', value = { kind = 'end', message = 'completed: no faster variant' } }, ctx)
    end)
    vim.lsp.handlers['$/progress'] = orig
    assert(ok, err)
    H.eq(passed, { 'begin', 'report', 'end', 'begin', 'end' }, 'the global handler saw every notification')
    H.eq(lessonl.running(), 0, 'nothing running after the ends')
    local msgs = vim.fn.execute('messages')
    H.contains(msgs, { 'LessonL: Optimizing Max: starting (0%) (:Lessonl cancel to stop)',
      'LessonL: Optimizing Max: canceled: lessons learned so far are kept' }, ':messages')
    H.not_contains(msgs, 'round 1/2', 'reports stay out of the message history')
    H.not_contains(msgs, 'no faster variant', "completed runs are left to the server's own message")
  end)

  H.test('the help file builds its tags (no duplicates) and documents every subcommand and option', function()
    local dir = vim.fn.tempname()
    vim.fn.mkdir(dir, 'p')
    local doc = vim.api.nvim_get_runtime_file('doc/lessonl.txt', false)[1]
    vim.fn.writefile(vim.fn.readfile(doc), dir .. '/lessonl.txt')
    vim.cmd('helptags ' .. vim.fn.fnameescape(dir)) -- raises E154 on a duplicate tag
    local tags = {}
    for _, l in ipairs(vim.fn.readfile(dir .. '/tags')) do
      tags[l:match('^(%S+)')] = true
    end
    for _, sub in ipairs(command.subcommands) do
      H.truthy(tags[':Lessonl-' .. sub.name], 'tag :Lessonl-' .. sub.name)
    end
    for _, k in ipairs(vim.list_extend(vim.deepcopy(config.server_keys), config.plugin_keys)) do
      H.truthy(tags['lessonl-' .. k], 'tag lessonl-' .. k)
    end
    H.truthy(tags['lessonl.setup()'] and tags[':Lessonl'], 'main tags')
  end)

  H.test('lsp/lessonl.lua gives vim.lsp.enable the plugin\'s options, handlers and commands', function()
    H.eq(lessonl.setup({ rounds = 2, server_path = 'lessonl' }), true, 'setup')
    local file = vim.api.nvim_get_runtime_file('lsp/lessonl.lua', false)[1]
    H.truthy(file, 'lsp/lessonl.lua on the runtimepath')
    local cfg
    H.capture_notify(function() cfg = dofile(file) end) -- the binary is missing here: one warning
    H.eq(cfg.cmd, { 'lessonl', 'serve' }, 'cmd')
    H.eq(cfg.filetypes, { 'go', 'c', 'cpp' }, 'filetypes')
    H.eq(cfg.root_markers, config.root_markers, 'root markers')
    H.eq({ cfg.name, cfg.root_dir }, { nil, nil }, 'vim.lsp.config names it and finds the root')
    H.eq(cfg.settings, { lessonl = { rounds = 2 } }, 'settings')
    H.eq(cfg.init_options, { rounds = 2 }, 'init_options')
    for _, m in ipairs({ '$/progress', 'window/showMessage', 'window/logMessage', 'workspace/executeCommand' }) do
      H.eq(type(cfg.handlers[m]), 'function', 'handler ' .. m)
    end
    for _, c in ipairs({ 'lessonl.optimize', 'lessonl.apply', 'lessonl.showReport', 'lessonl.showLessons' }) do
      H.eq(type(cfg.commands[c]), 'function', 'command ' .. c)
    end
    -- From now on vim.lsp.enable starts the server, not the FileType autocmd.
    local started = false
    local attach = lessonl.attach
    lessonl.attach = function() started = true end
    lessonl._on_filetype(vim.api.nvim_get_current_buf(), 'go')
    lessonl.attach = attach
    H.eq(started, false, 'the FileType autocmd stands back')
    lessonl._state.via_enable = nil
    H.eq(lessonl.setup({}), true, 'options reset')
  end)

  H.test('health API: vim.health.start/ok (0.10+), report_* (0.8/0.9), require("health") (0.7)', function()
    local compat = require('lessonl.compat')
    local saved = vim.health
    local function fn(name) return function() return name end end
    local ok, err = pcall(function()
      vim.health = { start = fn('start'), ok = fn('ok'), info = fn('info'), warn = fn('warn'), error = fn('error'),
        report_start = fn('report_start') }
      local h = compat.health()
      H.eq({ h.start(), h.ok(), h.info(), h.warn(), h.error() }, { 'start', 'ok', 'info', 'warn', 'error' }, '0.10+')
      vim.health = { report_start = fn('rs'), report_ok = fn('ro'), report_info = fn('ri'), report_warn = fn('rw'),
        report_error = fn('re') }
      h = compat.health()
      H.eq({ h.start(), h.ok(), h.info(), h.warn(), h.error() }, { 'rs', 'ro', 'ri', 'rw', 're' }, '0.8/0.9')
      vim.health = nil
      h = compat.health()
      H.eq(h.start, require('health').report_start, '0.7 legacy module')
    end)
    vim.health = saved
    assert(ok, err)
  end)

  H.test(':Lessonl log shows server messages', function()
    local h = lessonl.handlers()['window/logMessage']
    local orig = vim.lsp.handlers['window/logMessage']
    local passed
    vim.lsp.handlers['window/logMessage'] = function(_, result) passed = result.message end
    h(nil, { type = 2, message = 'Ollama is slow\nsecond line' }, { client_id = 99 })
    vim.lsp.handlers['window/logMessage'] = orig
    H.eq(passed, 'Ollama is slow\nsecond line', 'the global handler still runs')
    local buf = lessonl.log()
    local text = H.buffer_text(buf)
    H.contains(text, { 'WARN  Ollama is slow', 'WARN  second line', vim.lsp.get_log_path() }, 'log buffer')
    vim.cmd('close')
  end)
end)
