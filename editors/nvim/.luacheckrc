-- luacheck configuration for the plugin and its tests (test.sh runs it).
std = 'luajit'
-- The tests replace vim.notify and vim.ui.select, so vim is writable here.
globals = { 'vim' }
max_line_length = 120
-- The tmux suite's screens and generated init.lua (not sources).
exclude_files = { 'tmux-out/**' }
