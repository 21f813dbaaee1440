import t from 'tap'
import { derivePermalink, permalinkProblem } from '../../src/registry/permalink.js'

t.test('derivation: lowercase, runs of other characters become one hyphen, hyphens trimmed', async t => {
  t.equal(derivePermalink('Weather API'), 'weather-api')
  t.equal(derivePermalink('  CRM -- Contact Lookup (v2)!  '), 'crm-contact-lookup-v2')
  t.equal(derivePermalink('Ünïcode Näme'), 'n-code-n-me')
  t.equal(derivePermalink('already-fine-42'), 'already-fine-42')
  t.equal(derivePermalink('***'), '')
})

t.test('pattern and length check', async t => {
  t.equal(permalinkProblem('weather-api'), undefined)
  t.equal(permalinkProblem('a'.repeat(255)), undefined)
  t.match(permalinkProblem('a'.repeat(256)), /at most 255 characters \(got 256\)/)
  for (const bad of ['Weather', 'weather_api', '-weather', 'weather-', 'weather--api', 'weather api', '']) {
    t.match(permalinkProblem(bad), /is not a valid permalink/, bad)
  }
})
