-- LessonL for Neovim 0.11+: vim.lsp.enable('lessonl') reads this file.
-- It carries the plugin's options (require('lessonl').setup{}) and handlers,
-- so progress tracking and :Lessonl cancel work the same as with the
-- plugin's own FileType start; override any field with
-- vim.lsp.config('lessonl', { ... }).
return require('lessonl').lsp_config()
