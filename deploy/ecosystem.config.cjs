// clawmedic: the watchdog of the OpenClaw gateway, as a pm2 app.
// Written by `clawmedic service install --manager pm2` from deploy/ecosystem.config.cjs (`settings` is
// filled in). Start it with `pm2 start <this file> && pm2 save`; `pm2 startup` brings pm2 back after a reboot.
// env: secrets come from the environment file Node reads at each start (--env-file-if-exists, mode 0600),
// so they never reach pm2's dump file.
'use strict';

const settings = {{SETTINGS}};

module.exports = {
  apps: [
    {
      name: settings.name,
      script: settings.entry,
      args: settings.args,
      // The absolute path of a Node 24, never whatever `node` pm2 finds first.
      interpreter: settings.node,
      node_args: [`--env-file-if-exists=${settings.envFile}`],
      cwd: settings.workingDir,
      env: settings.env,
      autorestart: true,
      // Back-off: 1 s doubling up to 15 s between restarts; a run shorter than min_uptime counts towards max_restarts.
      exp_backoff_restart_delay: 1000,
      min_uptime: 30000,
      max_restarts: 10,
      // Exit 2 is an invalid config: restarting does not fix it.
      stop_exit_codes: [2],
      // The agent flushes its state file on SIGTERM.
      kill_timeout: 30000,
      time: true,
    },
  ],
};
