/** The whole template, pinned: a change to what deploys shows up in review. Update with `npx jest -u`. */
import { synth } from './synth';

test('template snapshot', () => {
  const json = JSON.stringify(synth().template.toJSON())
    // Asset hashes change with every build of the functions; the shape of the stack is what is pinned.
    .replace(/[0-9a-f]{64}(\.zip)?/g, '<asset>');
  expect(JSON.parse(json)).toMatchSnapshot();
});
