import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { lessonsMarkdown } from '../src/lessons';

// Golden files: testdata/lessons/NAME.json holds {func, answer}; NAME.md is the
// expected document. UPDATE_GOLDEN=1 rewrites the .md files.
const dir = path.join(__dirname, '..', '..', 'test', 'testdata', 'lessons');

describe('lessonsMarkdown (golden)', () => {
  const inputs = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(inputs.length >= 5, `golden inputs in ${dir}`);
  for (const f of inputs) {
    it(f, () => {
      const { func, answer } = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      const got = lessonsMarkdown(answer, func);
      const golden = path.join(dir, f.replace(/\.json$/, '.md'));
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden, got ?? '');
      assert.equal(got, fs.readFileSync(golden, 'utf8'));
    });
  }
});

describe('lessonsMarkdown', () => {
  it('null: the server showed them itself', () => assert.equal(lessonsMarkdown(null, 'F'), undefined));
  it('a string is shown as is', () => assert.equal(lessonsMarkdown('# hi\n', 'F'), '# hi\n'));
  it('skips non-object entries', () => {
    assert.equal(lessonsMarkdown([1, null, { text: 'ok' }], 'F'), '# LessonL: lessons for F\n\n- **lesson**\n  ok\n');
  });
});
