import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { ZhisuanError } from './errors.js'
import { parseSourceText, validateSchema } from './validation.js'

/** The message `validateSchema` throws for this YAML against this schema. */
function messageOf(schema: Parameters<typeof validateSchema>[0], yaml: string): string {
  try {
    validateSchema(schema, parseSourceText('f.yaml', yaml), 'file')
  } catch (error) {
    expect(error).toBeInstanceOf(ZhisuanError)
    return (error as ZhisuanError).message
  }
  throw new Error('expected the file to be rejected')
}

describe('a file that breaks its schema is named line by line in words', () => {
  const Fabric = Type.Object(
    {
      design: Type.Union([Type.Literal('rail-optimized'), Type.Literal('fat-tree')]),
      tiers: Type.Optional(Type.Union([Type.Literal(2), Type.Literal(3)])),
      version: Type.Optional(Type.Literal(1)),
      memory: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    },
    { additionalProperties: false },
  )

  it('lists the choices of a misspelt one, with the one meant', () => {
    expect(messageOf(Fabric, 'design: rail-optimised\n')).toBe(
      'invalid file:\nf.yaml:1:9: design: must be one of rail-optimized, fat-tree; got "rail-optimised" (did you mean rail-optimized?)',
    )
    expect(messageOf(Fabric, 'design: fat-tree\ntiers: 4\n')).toBe(
      'invalid file:\nf.yaml:2:8: tiers: must be one of 2, 3; got 4',
    )
    expect(messageOf(Fabric, 'design: fat-tree\nversion: 2\n')).toBe(
      'invalid file:\nf.yaml:2:10: version: must be 1; got 2',
    )
  })

  it('names the types of a union of types', () => {
    expect(messageOf(Fabric, 'design: fat-tree\nmemory: lots\n')).toBe(
      'invalid file:\nf.yaml:2:9: memory: must be a number or null; got "lots"',
    )
  })

  it('suggests a field only when one is close, and lists them all when none is', () => {
    expect(messageOf(Fabric, 'design: fat-tree\ntier: 2\n')).toMatch(
      /tier: unknown field "tier"; did you mean tiers\?$/,
    )
    expect(messageOf(Fabric, 'design: fat-tree\nzzz: 2\n')).toMatch(
      /zzz: unknown field "zzz"; allowed: design, tiers, version, memory$/,
    )
  })
})
