import { describe, expect, it } from 'vitest'
import { guaranteeUse } from './quota-share'

describe('guaranteeUse', () => {
  it('says the real share past 100% while the bar stops at the guarantee', () => {
    expect(guaranteeUse(24.32, 8)).toEqual({
      share: 3.04,
      fill: 1,
      over: true,
      label: '304% of the guarantee',
    })
  })

  it('fills the bar to the share under the guarantee', () => {
    expect(guaranteeUse(48.64, 100)).toMatchObject({
      fill: 0.4864,
      over: false,
      label: '49% of the guarantee',
    })
    expect(guaranteeUse(0, 100)).toMatchObject({
      fill: 0,
      over: false,
      label: '0% of the guarantee',
    })
  })

  it('says a tenant without a guarantee borrows all it uses', () => {
    expect(guaranteeUse(12, 0)).toMatchObject({
      share: null,
      over: true,
      label: 'no guarantee: all borrowed',
    })
    expect(guaranteeUse(0, 0)).toMatchObject({ share: null, over: false })
  })
})
