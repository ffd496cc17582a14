// Ruby names → interpretations: `Admin::UsersController#index` / `.build`, modules as containers, snake_case file names.
import type { CodeRef } from '../../../shared/model';
import { baseKey, snakeCase, type RefKey } from '../common';

const THIRD_PARTY = ['ActionController', 'ActionDispatch', 'ActiveRecord', 'ActiveJob', 'ActiveSupport', 'Rack', 'Sidekiq', 'Grape', 'Sinatra', 'Net', 'OpenTelemetry'];

export function rubyKeys(ref: CodeRef): RefKey[] {
  if (ref.namespace === null) return [];
  const types = ref.namespace.split('::').filter((s) => s !== '');
  if (types.length === 0 || !types.every((t) => /^[A-Z]\w*$/.test(t))) return [];
  const fn = ref.function.trim();
  if (!/^[a-z_]\w*[?!=]?$/.test(fn) && fn !== 'initialize') return [];
  const top = types[types.length - 1]!;
  return [baseKey('ruby', {
    types, function: fn, confidence: 0.95, thirdParty: THIRD_PARTY.includes(types[0]!) && types.length > 1,
    fileHints: [{ dirs: types.slice(0, -1).map(snakeCase), stems: [snakeCase(top)], looseStem: false, exts: ['rb'] },
      { dirs: [], stems: [snakeCase(top)], looseStem: false, exts: ['rb'] }],
  })];
}
