-- LessonL: defines :Lessonl, the <Plug> mappings and the FileType autocmd.
-- Everything else loads on first use (require('lessonl') stays unloaded until
-- a Go/C/C++ buffer or the command needs it).
if vim.g.loaded_lessonl then
  return
end
vim.g.loaded_lessonl = 1

if vim.fn.has('nvim-0.7.2') ~= 1 then
  vim.notify('lessonl: Neovim 0.7.2 or newer is required', vim.log.levels.ERROR)
  return
end

vim.api.nvim_create_user_command('Lessonl', function(o)
  require('lessonl.command').run(o)
end, {
  nargs = '*',
  range = true,
  desc = 'LessonL: optimize|apply|diff|cancel|lessons|report|log',
  complete = function(arglead, cmdline, cursorpos)
    return require('lessonl.command').complete(arglead, cmdline, cursorpos, function()
      return require('lessonl')._complete_funcs()
    end)
  end,
})

-- <Plug> mappings only: users choose their own keys.
local plugs = {
  { 'optimize', function() require('lessonl').optimize() end },
  { 'apply', function() require('lessonl').apply() end },
  { 'diff', function() require('lessonl').diff() end },
  { 'cancel', function() require('lessonl').cancel() end },
  { 'lessons', function() require('lessonl').lessons() end },
  { 'report', function() require('lessonl').report() end },
  { 'log', function() require('lessonl').log() end },
}
for _, p in ipairs(plugs) do
  vim.keymap.set('n', '<Plug>(lessonl-' .. p[1] .. ')', p[2], { desc = 'LessonL ' .. p[1] })
end
-- In Visual mode, optimize the selected lines.
vim.keymap.set('x', '<Plug>(lessonl-optimize)', ':Lessonl optimize<CR>', { silent = true, desc = 'LessonL optimize' })

local default_filetypes = { go = true, c = true, cpp = true }
vim.api.nvim_create_autocmd('FileType', {
  group = vim.api.nvim_create_augroup('lessonl', { clear = true }),
  desc = 'LessonL: start the language server',
  callback = function(a)
    local loaded = package.loaded['lessonl']
    if not loaded and not default_filetypes[a.match] then
      return
    end
    require('lessonl')._on_filetype(a.buf, a.match)
  end,
})
