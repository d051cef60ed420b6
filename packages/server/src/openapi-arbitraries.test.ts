// The request generator of openapi-fuzz.test.ts on the schema features the API's own document does
// not use yet ($ref, allOf, oneOf, const, nullable, exclusive bounds): every value it draws is one
// the schema accepts (lengths in code points, as the validator counts), and every branch comes up.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  codePoints,
  SchemaArbitraries,
  type OpenApiDocument,
  type Schema,
} from './openapi-arbitraries.test-support.js'
import { rejects } from './openapi-body-mutations.test-support.js'

const doc: OpenApiDocument = {
  paths: {},
  components: {
    schemas: {
      Size: { type: 'integer', minimum: 3, maximum: 5 },
      Named: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', pattern: '^[a-z]{2,4}$' } },
      },
    },
  },
}

const schema: Schema = {
  allOf: [
    { $ref: '#/components/schemas/Named' },
    {
      type: 'object',
      required: ['size', 'kind'],
      properties: {
        size: { $ref: '#/components/schemas/Size' },
        kind: { const: 'k' },
        shape: {
          oneOf: [
            {
              type: 'object',
              required: ['r'],
              properties: { r: { type: 'number', exclusiveMinimum: 0, maximum: 1 } },
              additionalProperties: false,
            },
            { enum: ['square', 'circle'] },
          ],
        },
        note: { type: 'string', nullable: true, maxLength: 3 },
        tags: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 2 },
      },
      additionalProperties: false,
    },
  ],
}

describe('the request generator', () => {
  const values = fc.sample(new SchemaArbitraries(doc).of(schema), {
    seed: 20_261_207,
    numRuns: 400,
  })

  it('draws only values the schema accepts, following $ref, allOf, oneOf, const and bounds', () => {
    for (const v of values) {
      expect(v).toMatchObject({ name: expect.stringMatching(/^[a-z]{2,4}$/) as unknown, kind: 'k' })
      const value = v as Record<string, unknown>
      expect(
        Object.keys(value).every((k) =>
          ['name', 'size', 'kind', 'shape', 'note', 'tags'].includes(k),
        ),
      ).toBe(true)
      expect([3, 4, 5]).toContain(value['size'])
      const shape = value['shape']
      if (typeof shape === 'object' && shape !== null) {
        const r = (shape as { r: number }).r
        expect(r > 0 && r <= 1).toBe(true)
      }
      const note = value['note']
      expect(
        note === undefined || note === null || (typeof note === 'string' && codePoints(note) <= 3),
      ).toBe(true)
      // the judge of the hostile mutations agrees: nothing drawn is certainly wrong
      expect(rejects(doc, schema, v)).toBe(false)
    }
  })

  it('reaches every branch: each shape, a null note, optional fields left out', () => {
    const shapes = new Set(
      values.map((v) => {
        const shape = (v as Record<string, unknown>)['shape']
        return typeof shape === 'string' ? shape : shape === undefined ? 'none' : 'object'
      }),
    )
    expect([...shapes].sort()).toEqual(['circle', 'none', 'object', 'square'])
    expect(values.some((v) => (v as Record<string, unknown>)['note'] === null)).toBe(true)
    expect(values.some((v) => !('tags' in (v as object)))).toBe(true)
  })
})
