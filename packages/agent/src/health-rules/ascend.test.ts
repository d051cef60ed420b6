import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { verdict } from '../health.js'
import {
  ascendFaultCodeIssue,
  ascendHealthIssue,
  ascendHealthRule,
  mindClusterCodes,
  mindClusterLevel,
  mindClusterLevels,
} from './ascend.js'

const faultCodeJson = JSON.parse(
  readFileSync(
    new URL(
      '../../fixtures/telemetry/ascend/mindcluster-device-plugin_faultCode.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as Record<string, string[]>

describe('Ascend health values (xid-and-health.md §3)', () => {
  it('maps OK, Warning, Alarm, Critical and UNKNOWN', () => {
    expect(ascendHealthRule('OK')).toMatchObject({ status: 'ok', action: 'none' })
    expect(ascendHealthRule('Warning')).toMatchObject({ status: 'degraded', action: 'none' })
    expect(ascendHealthRule('Alarm')).toMatchObject({ status: 'failed', action: 'drain-node' })
    expect(ascendHealthRule('Critical')).toMatchObject({ status: 'failed', action: 'drain-node' })
    expect(ascendHealthRule('UNKNOWN')).toMatchObject({ status: 'failed', action: 'drain-node' })
  })

  it('reads the value in any case and calls an unseen one degraded', () => {
    expect(ascendHealthRule(' alarm ').status).toBe('failed')
    expect(ascendHealthRule('Strange')).toMatchObject({ status: 'degraded', action: 'none' })
    expect(ascendHealthRule('Strange').reason).toContain('"Strange"')
  })

  it('names its source and appends the detail', () => {
    const issue = ascendHealthIssue('Alarm', 'heart beat lost')
    expect(issue.source).toBe('npu-smi health')
    expect(issue.reason).toMatch(/Alarm.*\(heart beat lost\)$/)
  })
})

describe('MindCluster fault levels (faultCode.json)', () => {
  it('holds exactly the codes of the fixture, level by level', () => {
    const keys = Object.keys(faultCodeJson).sort()
    expect(keys).toEqual(mindClusterLevels.map((l) => `${l}Codes`).sort())
    for (const level of mindClusterLevels) {
      expect(mindClusterCodes(level)).toEqual(faultCodeJson[`${level}Codes`])
    }
  })

  it('resolves the alarm fixture codes as the reference says', () => {
    expect(mindClusterLevel('A4025021')).toBe('NotHandleFault')
    expect(mindClusterLevel('8C03A000')).toBe('RestartNPU')
    expect(mindClusterLevel('8c084e00')).toBe('FreeRestartNPU')
    expect(mindClusterLevel('80E18402')).toBe('SeparateNPU')
    expect(mindClusterLevel('81078603')).toBe('NotHandleFault')
    expect(mindClusterLevel('DEADBEEF')).toBeNull()
  })

  it('gives a code listed under two levels the worse one', () => {
    expect(faultCodeJson.RestartBusinessCodes).toContain('A2301001')
    expect(faultCodeJson.SeparateNPUCodes).toContain('A2301001')
    expect(mindClusterLevel('A2301001')).toBe('SeparateNPU')
  })

  it('turns codes into issues whose verdict is the worst level', () => {
    const issues = ['A4025021', '8C03A000', '8C084E00'].map(ascendFaultCodeIssue)
    expect(issues.map((i) => [i.status, i.action])).toEqual([
      ['ok', 'none'],
      ['failed', 'reset-device'],
      ['degraded', 'reset-device'],
    ])
    expect(issues[1]?.source).toBe('npu-smi error code 8C03A000')
    expect(verdict(issues).status).toBe('failed')
    expect(ascendFaultCodeIssue('80E18402')).toMatchObject({
      status: 'failed',
      action: 'replace-device',
    })
  })

  it('calls an unlisted code degraded and says where to look', () => {
    const issue = ascendFaultCodeIssue('DEADBEEF')
    expect(issue).toMatchObject({ status: 'degraded', action: 'none' })
    expect(issue.reason).toContain('not in MindCluster')
  })
})
