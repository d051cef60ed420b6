import { describe, expect, it } from 'vitest'
import {
  driverLinkLayer,
  guidOfGid,
  ibGuid,
  ibLinkLayer,
  ibPhysicalState,
  ibPortState,
  portVerdicts,
  type PortReading,
} from './ib-port.js'
import type { NicPort } from './types.js'

const nic = (over: Partial<NicPort>): NicPort => ({
  device: 'mlx5_0',
  port: 1,
  linkLayer: 'IB',
  state: 'active',
  physicalState: 'linkup',
  rateGbps: 400,
  firmware: '28.41.1000',
  netdev: null,
  guid: null,
  model: 'MT4129',
  ...over,
})
const reading = (
  over: Partial<NicPort>,
  stateText = 'Active',
  physicalText = 'LinkUp',
): PortReading => ({
  nic: nic(over),
  stateText,
  physicalText,
})

describe('IB port vocabulary', () => {
  it('reads a port state as each tool prints it', () => {
    const said = [
      'Active',
      '4: ACTIVE',
      'PORT_ACTIVE (4)',
      'ACTIVE',
      'ACTIVE_DEFER',
      'Down',
      '1: DOWN',
      'PORT_DOWN (1)',
    ]
    expect(said.map(ibPortState)).toEqual([
      'active',
      'active',
      'active',
      'active',
      'active',
      'down',
      'down',
      'down',
    ])
    expect(
      ['Initializing', '2: INIT', 'PORT_INIT (2)', 'Armed', 'PORT_ARMED (3)', 'NOP'].map(
        ibPortState,
      ),
    ).toEqual(['init', 'init', 'init', 'armed', 'armed', 'unknown'])
  })

  it('reads a physical state as each tool prints it', () => {
    const said = [
      'LinkUp',
      '5: LinkUp',
      'LINK_UP (5)',
      'Polling',
      'POLLING',
      'Disabled',
      '3: Disabled',
      'Sleep',
    ]
    expect(said.map(ibPhysicalState)).toEqual([
      'linkup',
      'linkup',
      'linkup',
      'polling',
      'polling',
      'disabled',
      'disabled',
      'sleep',
    ])
    expect(ibPhysicalState('PortConfigurationTraining')).toBe('training')
    expect(ibPhysicalState('PORT_CONFIGURATION_TRAINING (4)')).toBe('training')
    expect(ibPhysicalState('LinkErrorRecovery')).toBe('unknown')
  })

  it('names link layers, by word or by a driver that speaks only one', () => {
    expect(['InfiniBand', 'Ethernet', 'iWARP', 'Unknown'].map(ibLinkLayer)).toEqual([
      'IB',
      'RoCE',
      'iWARP',
      null,
    ])
    expect(
      ['bnxt_re0', 'rxe0', 'siw0', 'i40iw0', 'hfi1_0', 'mlx5_0', 'qedr0'].map(driverLinkLayer),
    ).toEqual(['RoCE', 'RoCE', 'iWARP', 'iWARP', 'IB', null, null])
  })

  it('writes GUIDs as 0x + 16 lower-case hex digits, from either spelling or a link-local GID', () => {
    expect(ibGuid('0x58A2E10300A7820E')).toBe('0x58a2e10300a7820e')
    expect(ibGuid('0c42:a103:0023:ac92')).toBe('0x0c42a1030023ac92')
    expect(ibGuid('0x1')).toBe('0x0000000000000001')
    expect(ibGuid('unknown')).toBeNull()
    expect(guidOfGid('fe80:0000:0000:0000:0015:5dff:fd34:11eb')).toBe('0x00155dfffd3411eb')
    expect(guidOfGid('0000:0000:0000:0000:0000:ffff:0a00:0001')).toBeNull()
    expect(guidOfGid('unknown')).toBeNull()
  })
})

describe('port verdicts', () => {
  it('says healthy at its rate, or without one', () => {
    expect(portVerdicts([reading({}), reading({ port: 2, rateGbps: null })])).toEqual([
      { device: 'mlx5_0', port: 1, health: 'healthy', reason: 'active at 400 Gb/s' },
      { device: 'mlx5_0', port: 2, health: 'healthy', reason: 'active (rate not reported)' },
    ])
  })

  it('compares rates only among active ports of one model, firmware family and link layer', () => {
    const verdicts = portVerdicts([
      reading({ device: 'mlx5_0' }),
      reading({ device: 'mlx5_1', rateGbps: 200 }),
      reading({ device: 'mlx5_2', rateGbps: 200, model: 'MT4125', firmware: '22.39.1002' }),
      reading({ device: 'mlx5_3', rateGbps: 100, linkLayer: 'RoCE' }),
      reading({ device: 'mlx5_4', rateGbps: 800, state: 'down' }, 'Down', 'Polling'),
    ])
    expect(verdicts.map((v) => `${v.device} ${v.health}`)).toEqual([
      'mlx5_0 healthy',
      'mlx5_1 degraded',
      'mlx5_2 healthy',
      'mlx5_3 healthy',
      'mlx5_4 failed',
    ])
  })

  it('gives no verdict for a port whose tool prints no state', () => {
    expect(
      portVerdicts([{ nic: nic({ state: 'unknown' }), stateText: null, physicalText: null }]),
    ).toEqual([])
  })

  it('fails a port whose state it cannot read, quoting the tool', () => {
    const [v] = portVerdicts([reading({ state: 'unknown' }, 'Weird')])
    expect(v).toMatchObject({ health: 'failed', reason: 'port "Weird" (physical state LinkUp)' })
  })
})
