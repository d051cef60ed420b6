export { lifecycleDefaults } from './defaults.js'
