// Client settings reach the Java helpers through a properties file; the escaping must keep every value intact.
import { describe, expect, it } from 'vitest';
import { propertiesText } from '../../../scripts/lib/index.mjs';

describe('propertiesText', () => {
  it('escapes what java.util.Properties would otherwise change', () => {
    expect(
      propertiesText({
        'sasl.jaas.config': 'M required username="a=b" password="p\\q";',
        'odd key:x': ' leading blank',
        multi: 'line\nbreak',
      }),
    ).toBe(
      'sasl.jaas.config=M required username="a=b" password="p\\\\q";\n' +
        'odd\\ key\\:x=\\ leading blank\n' +
        'multi=line\\nbreak\n',
    );
  });
});
