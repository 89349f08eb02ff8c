// Identifiers shared by the manifest (package.json), the extension and the tests.
// The manifest test checks that package.json declares exactly these.

// Commands the server registers through executeCommandProvider. vscode-languageclient
// registers each of them as a VS Code command that forwards to the server, so the
// client's own commands must use other ids or VS Code refuses the second registration.
export const ServerCommand = {
  optimize: 'lessonl.optimize',
  apply: 'lessonl.apply',
  cancel: 'lessonl.cancel',
  showLessons: 'lessonl.showLessons',
  showReport: 'lessonl.showReport',
} as const;

// Commands the extension contributes (palette, menus, status bar).
export const ClientCommand = {
  optimizeFunction: 'lessonl.optimizeFunction',
  applyBest: 'lessonl.applyBest',
  showDiff: 'lessonl.showDiff',
  discardVariant: 'lessonl.discardVariant',
  cancelRun: 'lessonl.cancelRun',
  lessons: 'lessonl.lessons',
  openStore: 'lessonl.openStore',
  showLog: 'lessonl.showLog',
  restartServer: 'lessonl.restartServer',
} as const;

// Languages the server handles (languageIds).
export const LANGUAGES = ['go', 'c', 'cpp'] as const;

// Virtual documents of the diff editor (original and best variant) live here.
export const DIFF_SCHEME = 'lessonl-diff';

// Context keys for `when` clauses in the manifest.
export const ContextKey = {
  hasVariant: 'lessonl.hasVariant',
  running: 'lessonl.running',
} as const;

export const CONFIG_SECTION = 'lessonl';

export const INSTALL_COMMAND = 'go install github.com/lessonl/lessonl/cmd/lessonl@latest';
