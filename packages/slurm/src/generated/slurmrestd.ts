// GENERATED FILE, do not edit. Types of slurmrestd's REST API (Slurm 22.05, OpenAPI plugin
// v0.0.38), made by openapi-typescript from packages/slurm/openapi/slurmrestd-v0.0.38.json.
// Regenerate with:  node packages/slurm/scripts/generate.js
// (check with --check). Where the document is wrong, src/api.ts corrects these types by hand.

export interface paths {
  readonly '/slurm/v0.0.38/diag': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get diagnostics */
    readonly get: operations['slurm_v0_0_38_diag']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/licenses': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get all Slurm tracked license info */
    readonly get: operations['slurm_v0_0_38_slurmctld_get_licenses']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/ping': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** ping test */
    readonly get: operations['slurm_v0_0_38_ping']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/jobs': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get list of jobs */
    readonly get: operations['slurm_v0_0_38_get_jobs']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/job/{job_id}': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get job info */
    readonly get: operations['slurm_v0_0_38_get_job']
    readonly put?: never
    /** update job */
    readonly post: operations['slurm_v0_0_38_update_job']
    /** cancel or signal job */
    readonly delete: operations['slurm_v0_0_38_cancel_job']
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/job/submit': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly get?: never
    readonly put?: never
    /** submit new job */
    readonly post: operations['slurm_v0_0_38_submit_job']
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/nodes': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get all node info */
    readonly get: operations['slurm_v0_0_38_get_nodes']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/node/{node_name}': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get node info */
    readonly get: operations['slurm_v0_0_38_get_node']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/partitions': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get all partition info */
    readonly get: operations['slurm_v0_0_38_get_partitions']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/partition/{partition_name}': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get partition info */
    readonly get: operations['slurm_v0_0_38_get_partition']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/reservations': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get all reservation info */
    readonly get: operations['slurm_v0_0_38_get_reservations']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/slurm/v0.0.38/reservation/{reservation_name}': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** get reservation info */
    readonly get: operations['slurm_v0_0_38_get_reservation']
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/openapi.yaml': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** Retrieve OpenAPI Specification */
    readonly get: {
      readonly parameters: {
        readonly query?: never
        readonly header?: never
        readonly path?: never
        readonly cookie?: never
      }
      readonly requestBody?: never
      readonly responses: {
        /** @description OpenAPI Specification */
        readonly 200: {
          headers: {
            readonly [name: string]: unknown
          }
          content?: never
        }
      }
    }
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/openapi.json': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** Retrieve OpenAPI Specification */
    readonly get: {
      readonly parameters: {
        readonly query?: never
        readonly header?: never
        readonly path?: never
        readonly cookie?: never
      }
      readonly requestBody?: never
      readonly responses: {
        /** @description OpenAPI Specification */
        readonly 200: {
          headers: {
            readonly [name: string]: unknown
          }
          content?: never
        }
      }
    }
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/openapi': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** Retrieve OpenAPI Specification */
    readonly get: {
      readonly parameters: {
        readonly query?: never
        readonly header?: never
        readonly path?: never
        readonly cookie?: never
      }
      readonly requestBody?: never
      readonly responses: {
        /** @description OpenAPI Specification */
        readonly 200: {
          headers: {
            readonly [name: string]: unknown
          }
          content?: never
        }
      }
    }
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
  readonly '/openapi/v3': {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** Retrieve OpenAPI Specification */
    readonly get: {
      readonly parameters: {
        readonly query?: never
        readonly header?: never
        readonly path?: never
        readonly cookie?: never
      }
      readonly requestBody?: never
      readonly responses: {
        /** @description OpenAPI Specification */
        readonly 200: {
          headers: {
            readonly [name: string]: unknown
          }
          content?: never
        }
      }
    }
    readonly put?: never
    readonly post?: never
    readonly delete?: never
    readonly options?: never
    readonly head?: never
    readonly patch?: never
    readonly trace?: never
  }
}
export type webhooks = Record<string, never>
export interface components {
  schemas: {
    readonly 'v0.0.38_diag': {
      readonly meta?: components['schemas']['v0.0.38_meta']
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description Slurm statistics */
      readonly statistics?: {
        /** @description partition records packed */
        readonly parts_packed?: number
        /** @description generation time */
        readonly req_time?: number
        /** @description data since */
        readonly req_time_start?: number
        /** @description Server thread count */
        readonly server_thread_count?: number
        /** @description Agent queue size */
        readonly agent_queue_size?: number
        /** @description Agent count */
        readonly agent_count?: number
        /** @description Agent thread count */
        readonly agent_thread_count?: number
        /** @description DBD Agent queue size */
        readonly dbd_agent_queue_size?: number
        /** @description Latency for 1000 calls to gettimeofday() */
        readonly gettimeofday_latency?: number
        /** @description Main Schedule max cycle */
        readonly schedule_cycle_max?: number
        /** @description Main Schedule last cycle */
        readonly schedule_cycle_last?: number
        /** @description Main Schedule cycle iterations */
        readonly schedule_cycle_total?: number
        /** @description Average time for Schedule Max cycle */
        readonly schedule_cycle_mean?: number
        /** @description Average depth for Schedule Max cycle */
        readonly schedule_cycle_mean_depth?: number
        /** @description Main Schedule Cycles per minute */
        readonly schedule_cycle_per_minute?: number
        /** @description Main Schedule Last queue length */
        readonly schedule_queue_length?: number
        /** @description Job submitted */
        readonly jobs_submitted?: number
        /** @description Job started */
        readonly jobs_started?: number
        /** @description Job completed */
        readonly jobs_completed?: number
        /** @description Job cancelled */
        readonly jobs_canceled?: number
        /** @description Job failed */
        readonly jobs_failed?: number
        /** @description Job pending */
        readonly jobs_pending?: number
        /** @description Job running */
        readonly jobs_running?: number
        /** @description Job states timestamp */
        readonly job_states_ts?: number
        /** @description Total backfilled jobs (since last slurm start) */
        readonly bf_backfilled_jobs?: number
        /** @description Total backfilled jobs (since last stats cycle start) */
        readonly bf_last_backfilled_jobs?: number
        /** @description Total backfilled heterogeneous job components */
        readonly bf_backfilled_het_jobs?: number
        /** @description Backfill Schedule Total cycles */
        readonly bf_cycle_counter?: number
        /** @description Backfill Schedule Mean cycle */
        readonly bf_cycle_mean?: number
        /** @description Backfill Schedule Max cycle time */
        readonly bf_cycle_max?: number
        /** @description Backfill Schedule Last depth cycle */
        readonly bf_last_depth?: number
        /** @description Backfill Schedule Mean cycle (try sched) */
        readonly bf_last_depth_try?: number
        /** @description Backfill Schedule Depth Mean */
        readonly bf_depth_mean?: number
        /** @description Backfill Schedule Depth Mean (try sched) */
        readonly bf_depth_mean_try?: number
        /** @description Backfill Schedule Last cycle time */
        readonly bf_cycle_last?: number
        /** @description Backfill Schedule Last queue length */
        readonly bf_queue_len?: number
        /** @description Backfill Schedule Mean queue length */
        readonly bf_queue_len_mean?: number
        /** @description Backfill Schedule Last table size */
        readonly bf_table_size?: number
        /** @description Backfill Schedule Mean table size */
        readonly bf_table_size_mean?: number
        /** @description Last cycle timestamp */
        readonly bf_when_last_cycle?: number
        /** @description Backfill Schedule currently active */
        readonly bf_active?: boolean
        /** @description Remote Procedure Call statistics by message type */
        readonly rpcs_by_message_type?: readonly components['schemas']['v0.0.38_diag_rpcm'][]
        /** @description Remote Procedure Call statistics by user */
        readonly rpcs_by_user?: readonly components['schemas']['v0.0.38_diag_rpcu'][]
      }
    }
    readonly 'v0.0.38_diag_rpcm': {
      /** @description message type */
      readonly message_type?: string
      /** @description message type id */
      readonly type_id?: number
      /** @description rpc count */
      readonly count?: number
      /** @description average time */
      readonly average_time?: number
      /** @description total time */
      readonly total_time?: number
    }
    readonly 'v0.0.38_diag_rpcu': {
      /** @description user */
      readonly user?: string
      /** @description user id */
      readonly user_id?: number
      /** @description rpc count */
      readonly count?: number
      /** @description average time */
      readonly average_time?: number
      /** @description total time */
      readonly total_time?: number
    }
    readonly 'v0.0.38_licenses': {
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description licenses info */
      readonly licenses?: readonly components['schemas']['v0.0.38_license'][]
    }
    readonly 'v0.0.38_license': {
      /** @description name of license */
      readonly LicenseName?: string
      /** @description total number of licenses */
      readonly Total?: number
      /** @description number of licenses in use */
      readonly Used?: number
      /** @description number of licenses available */
      readonly Free?: number
      /** @description number of licenses reserved */
      readonly Reserved?: number
      /** @description license is remote */
      readonly Remote?: boolean
    }
    readonly 'v0.0.38_pings': {
      readonly meta?: components['schemas']['v0.0.38_meta']
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description slurm controller pings */
      readonly pings?: readonly components['schemas']['v0.0.38_ping'][]
    }
    readonly 'v0.0.38_ping': {
      /** @description slurm controller hostname */
      readonly hostname?: string
      /**
       * @description slurm controller host up
       * @enum {string}
       */
      readonly ping?: 'UP' | 'DOWN'
      /** @description slurm controller mode */
      readonly mode?: string
      /** @description slurm controller status */
      readonly status?: number
    }
    readonly 'v0.0.38_partition': {
      /** @description partition options */
      readonly flags?: readonly string[]
      /** @description preemption type */
      readonly preemption_mode?: readonly string[]
      /** @description list names of allowed allocating nodes */
      readonly allowed_allocation_nodes?: string
      /** @description comma delimited list of accounts */
      readonly allowed_accounts?: string
      /** @description comma delimited list of groups */
      readonly allowed_groups?: string
      /** @description comma delimited list of qos */
      readonly allowed_qos?: string
      /** @description name of alternate partition */
      readonly alternative?: string
      /** @description TRES billing weights */
      readonly billing_weights?: string
      /**
       * Format: int64
       * @description default MB memory per allocated CPU
       */
      readonly default_memory_per_cpu?: number
      /**
       * Format: int64
       * @description default time limit (minutes)
       */
      readonly default_time_limit?: number
      /** @description comma delimited list of denied accounts */
      readonly denied_accounts?: string
      /** @description comma delimited list of denied qos */
      readonly denied_qos?: string
      /**
       * Format: int64
       * @description preemption grace time (seconds)
       */
      readonly preemption_grace_time?: number
      /** @description maximum allocated CPUs per node */
      readonly maximum_cpus_per_node?: number
      /**
       * Format: int64
       * @description maximum memory per allocated node (MiB)
       */
      readonly maximum_memory_per_node?: number
      /** @description Max nodes per job */
      readonly maximum_nodes_per_job?: number
      /**
       * Format: int64
       * @description Max time limit per job
       */
      readonly max_time_limit?: number
      /** @description Min number of nodes per job */
      readonly min_nodes_per_job?: number
      /** @description Partition name */
      readonly name?: string
      /** @description list names of nodes in partition */
      readonly nodes?: string
      /** @description job's time limit can be exceeded by this number of minutes before cancellation */
      readonly over_time_limit?: number
      /** @description job priority weight factor */
      readonly priority_job_factor?: number
      /** @description tier for scheduling and preemption */
      readonly priority_tier?: number
      /** @description partition QOS name */
      readonly qos?: string
      /** @description Partition state */
      readonly state?: string
      /** @description Total cpus in partition */
      readonly total_cpus?: number
      /** @description Total number of nodes in partition */
      readonly total_nodes?: number
      /** @description configured TRES in partition */
      readonly tres?: string
      /**
       * Format: int64
       * @description maximum memory per allocated CPU (MiB)
       */
      readonly maximum_memory_per_cpu?: number
      /**
       * Format: int64
       * @description default MB memory per allocated node
       */
      readonly default_memory_per_node?: number
    }
    readonly 'v0.0.38_partitions_response': {
      readonly meta?: components['schemas']['v0.0.38_meta']
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description partition info */
      readonly partitions?: readonly components['schemas']['v0.0.38_partition'][]
    }
    readonly 'v0.0.38_reservation': {
      /** @description Allowed accounts */
      readonly accounts?: string
      /** @description Reserved burst buffer */
      readonly burst_buffer?: string
      /** @description Number of reserved cores */
      readonly core_count?: number
      /** @description Number of reserved specialized cores */
      readonly core_spec_cnt?: number
      /** @description End time of the reservation */
      readonly end_time?: number
      /** @description List of features */
      readonly features?: string
      /** @description Reservation options */
      readonly flags?: readonly string[]
      /** @description List of groups permitted to use the reserved nodes */
      readonly groups?: string
      /** @description List of licenses */
      readonly licenses?: string
      /** @description Maximum delay in which jobs outside of the reservation will be permitted to overlap once any jobs are queued for the reservation */
      readonly max_start_delay?: number
      /** @description Reservationn name */
      readonly name?: string
      /** @description Count of nodes reserved */
      readonly node_count?: number
      /** @description List of reserved nodes */
      readonly node_list?: string
      /** @description Partition */
      readonly partition?: string
      /** @description If PURGE_COMP flag is set the amount of seconds this reservation will sit idle until it is revoked */
      readonly purge_completed?: {
        /** @description amount of seconds this reservation will sit idle until it is revoked */
        readonly time?: number
      }
      /** @description Start time of reservation */
      readonly start_time?: number
      /** @description amount of power to reserve in watts */
      readonly watts?: number
      /** @description List of TRES */
      readonly tres?: string
      /** @description List of users */
      readonly users?: string
    }
    readonly 'v0.0.38_reservations_response': {
      readonly meta?: components['schemas']['v0.0.38_meta']
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description reservation info */
      readonly reservations?: readonly components['schemas']['v0.0.38_reservation'][]
    }
    /** @description Slurm errors */
    readonly 'v0.0.38_errors': readonly components['schemas']['v0.0.38_error'][]
    readonly 'v0.0.38_error': {
      /** @description error message */
      readonly error?: string
      /** @description Slurm internal error number */
      readonly error_number?: number
    }
    /**
     * Format: int32
     * @description POSIX signal name
     * @enum {string}
     */
    readonly 'v0.0.38_signal':
      | 'HUP'
      | 'INT'
      | 'QUIT'
      | 'ABRT'
      | 'KILL'
      | 'ALRM'
      | 'TERM'
      | 'USR1'
      | 'USR2'
      | 'URG'
      | 'CONT'
      | 'STOP'
      | 'TSTP'
      | 'TTIN'
      | 'TTOU'
    readonly 'v0.0.38_job_submission_response': {
      readonly meta?: components['schemas']['v0.0.38_meta']
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description new job ID */
      readonly job_id?: number
      /** @description new job step ID */
      readonly step_id?: string
      /** @description Message to user from job_submit plugin */
      readonly job_submit_user_msg?: string
    }
    readonly 'v0.0.38_job_submission': {
      /** @description Executable script (full contents) to run in batch step */
      readonly script: string
      readonly job?: components['schemas']['v0.0.38_job_properties']
      /** @description Properties of an HetJob */
      readonly jobs?: readonly components['schemas']['v0.0.38_job_properties'][]
    }
    readonly 'v0.0.38_jobs_response': {
      readonly meta?: components['schemas']['v0.0.38_meta']
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description job descriptions */
      readonly jobs?: readonly components['schemas']['v0.0.38_job_response_properties'][]
    }
    readonly 'v0.0.38_job_response_properties': {
      /** @description Charge resources used by this job to specified account */
      readonly account?: string
      /**
       * Format: int64
       * @description time job is eligible for running
       */
      readonly accrue_time?: number
      /** @description administrator's arbitrary comment */
      readonly admin_comment?: string
      /** @description job_id of a job array or 0 if N/A */
      readonly array_job_id?: number
      /** @description task_id of a job array */
      readonly array_task_id?: number
      /** @description Maximum number of running array tasks */
      readonly array_max_tasks?: number
      /** @description string expression of task IDs in this record */
      readonly array_task_string?: string
      /** @description association id for job */
      readonly association_id?: number
      /** @description features required for batch script's node */
      readonly batch_features?: string
      /** @description if batch: queued job with script */
      readonly batch_flag?: boolean
      /** @description name of host running batch script */
      readonly batch_host?: string
      /** @description Job flags */
      readonly flags?: readonly string[]
      /** @description burst buffer specifications */
      readonly burst_buffer?: string
      /** @description burst buffer state info */
      readonly burst_buffer_state?: string
      /** @description name of cluster that the job is on */
      readonly cluster?: string
      /** @description comma separated list of required cluster features */
      readonly cluster_features?: string
      /** @description command to be executed */
      readonly command?: string
      /** @description arbitrary comment */
      readonly comment?: string
      /** @description absolute path to OCI container bundle */
      readonly container?: string
      /** @description job requires contiguous nodes */
      readonly contiguous?: boolean
      /** @description specialized core count */
      readonly core_spec?: string
      /** @description specialized thread count */
      readonly thread_spec?: string
      /** @description cores per socket required by job */
      readonly cores_per_socket?: string
      /** @description billable TRES */
      readonly billable_tres?: number
      /** @description number of processors required for each task */
      readonly cpus_per_task?: string
      /** @description Minimum cpu frequency */
      readonly cpu_frequency_minimum?: string
      /** @description Maximum cpu frequency */
      readonly cpu_frequency_maximum?: string
      /** @description cpu frequency governor */
      readonly cpu_frequency_governor?: string
      /** @description semicolon delimited list of TRES=# values */
      readonly cpus_per_tres?: string
      /** @description job start deadline */
      readonly deadline?: number
      /** @description command to be executed */
      readonly delay_boot?: number
      /** @description synchronize job execution with other jobs */
      readonly dependency?: string
      /** @description highest exit code of all job steps */
      readonly derived_exit_code?: number
      /**
       * Format: int64
       * @description time job is eligible for running
       */
      readonly eligible_time?: number
      /**
       * Format: int64
       * @description time of termination, actual or expected
       */
      readonly end_time?: number
      /** @description comma separated list of excluded nodes */
      readonly excluded_nodes?: string
      /** @description exit code for job */
      readonly exit_code?: number
      /** @description comma separated list of required features */
      readonly features?: string
      /** @description Origin cluster's name */
      readonly federation_origin?: string
      /** @description string of active sibling names */
      readonly federation_siblings_active?: string
      /** @description string of viable sibling names */
      readonly federation_siblings_viable?: string
      /** @description Job flags */
      readonly gres_detail?: readonly string[]
      /** @description group job submitted as */
      readonly group_id?: number
      /** @description job ID */
      readonly job_id?: number
      readonly job_resources?: components['schemas']['v0.0.38_job_resources']
      /** @description state of the job */
      readonly job_state?: string
      /** @description last time job was evaluated for scheduling */
      readonly last_sched_evaluation?: number
      /** @description licenses required by the job */
      readonly licenses?: string
      /** @description maximum number of cpus usable by job */
      readonly max_cpus?: number
      /** @description maximum number of nodes usable by job */
      readonly max_nodes?: number
      /** @description mcs_label if mcs plugin in use */
      readonly mcs_label?: string
      /** @description semicolon delimited list of TRES=# values */
      readonly memory_per_tres?: string
      /** @description name of the job */
      readonly name?: string
      /** @description list of nodes allocated to job */
      readonly nodes?: string
      /** @description requested priority change */
      readonly nice?: number
      /** @description number of tasks to invoke on each core */
      readonly tasks_per_core?: number
      /** @description number of tasks to invoke on each socket */
      readonly tasks_per_socket?: number
      /** @description number of tasks to invoke on each board */
      readonly tasks_per_board?: number
      /** @description minimum number of cpus required by job */
      readonly cpus?: number
      /** @description minimum number of nodes required by job */
      readonly node_count?: number
      /** @description requested task count */
      readonly tasks?: number
      /** @description job ID of hetjob leader */
      readonly het_job_id?: number
      /** @description job IDs for all components */
      readonly het_job_id_set?: string
      /** @description HetJob component offset from leader */
      readonly het_job_offset?: number
      /** @description name of assigned partition */
      readonly partition?: string
      /** @description minimum real memory per node */
      readonly memory_per_node?: number
      /** @description minimum real memory per cpu */
      readonly memory_per_cpu?: number
      /** @description minimum # CPUs per node */
      readonly minimum_cpus_per_node?: number
      /** @description minimum tmp disk per node */
      readonly minimum_tmp_disk_per_node?: number
      /**
       * Format: int64
       * @description preemption signal time
       */
      readonly preempt_time?: number
      /**
       * Format: int64
       * @description time job ran prior to last suspend
       */
      readonly pre_sus_time?: number
      /** @description relative priority of the job */
      readonly priority?: number
      /** @description Job profiling requested */
      readonly profile?: readonly string[]
      /** @description Quality of Service */
      readonly qos?: string
      /** @description node reboot requested before start */
      readonly reboot?: boolean
      /** @description comma separated list of required nodes */
      readonly required_nodes?: string
      /** @description enable or disable job requeue option */
      readonly requeue?: boolean
      /**
       * Format: int64
       * @description time of latest size change
       */
      readonly resize_time?: number
      /** @description count of job restarts */
      readonly restart_cnt?: number
      /** @description reservation name */
      readonly resv_name?: string
      /** @description type and if job can share nodes with other jobs */
      readonly shared?: string
      /** @description details requested */
      readonly show_flags?: readonly string[]
      /** @description sockets per board required by job */
      readonly sockets_per_board?: number
      /** @description sockets per node required by job */
      readonly sockets_per_node?: number
      /**
       * Format: int64
       * @description time execution begins, actual or expected
       */
      readonly start_time?: number
      /** @description optional details for state_reason */
      readonly state_description?: string
      /** @description reason job still pending or failed */
      readonly state_reason?: string
      /** @description pathname of job's stderr file */
      readonly standard_error?: string
      /** @description pathname of job's stdin file */
      readonly standard_input?: string
      /** @description pathname of job's stdout file */
      readonly standard_output?: string
      /**
       * Format: int64
       * @description time of job submission
       */
      readonly submit_time?: number
      /**
       * Format: int64
       * @description time job last suspended or resumed
       */
      readonly suspend_time?: number
      /** @description slurmctld's arbitrary comment */
      readonly system_comment?: string
      /**
       * Format: int64
       * @description maximum run time in minutes
       */
      readonly time_limit?: number
      /**
       * Format: int64
       * @description minimum run time in minutes
       */
      readonly time_minimum?: number
      /** @description threads per core required by job */
      readonly threads_per_core?: number
      /** @description Task to TRES binding directives */
      readonly tres_bind?: string
      /** @description TRES frequency directives */
      readonly tres_freq?: string
      /** @description semicolon delimited list of TRES=# values */
      readonly tres_per_job?: string
      /** @description semicolon delimited list of TRES=# values */
      readonly tres_per_node?: string
      /** @description semicolon delimited list of TRES=# values */
      readonly tres_per_socket?: string
      /** @description semicolon delimited list of TRES=# values */
      readonly tres_per_task?: string
      /** @description tres reqeusted in the job */
      readonly tres_req_str?: string
      /** @description tres used in the job */
      readonly tres_alloc_str?: string
      /**
       * Format: int64
       * @description user id the job runs as
       */
      readonly user_id?: number
      /** @description user the job runs as */
      readonly user_name?: string
      /** @description wckey for job */
      readonly wckey?: string
      /** @description pathname of working directory */
      readonly current_working_directory?: string
    }
    readonly 'v0.0.38_job_resources': {
      /** @description list of assigned job nodes */
      readonly nodes?: string
      /** @description number of assigned job cpus */
      readonly allocated_cpus?: number
      /** @description number of assigned job hosts */
      readonly allocated_hosts?: number
      /** @description array of allocated nodes */
      readonly allocated_nodes?: readonly components['schemas']['v0.0.38_node_allocation'][]
    }
    readonly 'v0.0.38_node_allocation': {
      /** @description amount of assigned job memory */
      readonly memory?: number
      /** @description number of assigned job CPUs */
      readonly cpus?: number
      /** @description assignment status of each socket by numeric socket id */
      readonly sockets?: {
        /** @description assignment status of each core by core id in each socket */
        readonly cores?: Record<string, never>
      }
      /** @description node name */
      readonly nodename?: string
    }
    readonly 'v0.0.38_job_properties': {
      /** @description Charge resources used by this job to specified account. */
      readonly account?: string
      /** @description Define the job accounting and profiling sampling intervals. */
      readonly account_gather_frequency?: string
      /** @description Arguments to the script. */
      readonly argv?: readonly string[]
      /** @description Submit a job array, multiple jobs to be executed with identical parameters. The indexes specification identifies what array index values should be used. */
      readonly array?: string
      /** @description features required for batch script's node */
      readonly batch_features?: string
      /**
       * Format: int64
       * @description Submit the batch script to the Slurm controller immediately, like normal, but tell the controller to defer the allocation of the job until the specified time.
       */
      readonly begin_time?: number
      /** @description Burst buffer specification. */
      readonly burst_buffer?: string
      /** @description Specifies features that a federated cluster must have to have a sibling job submitted to it. */
      readonly cluster_constraint?: string
      /** @description An arbitrary comment. */
      readonly comment?: string
      /** @description node features required by job. */
      readonly constraints?: string
      /** @description absolute path to OCI container bundle */
      readonly container?: string
      /** @description Count of specialized threads per node reserved by the job for system operations and not used by the application. */
      readonly core_specification?: number
      /** @description Restrict node selection to nodes with at least the specified number of cores per socket. */
      readonly cores_per_socket?: number
      /** @description Cpu binding */
      readonly cpu_binding?: string
      /** @description Cpu binding hint */
      readonly cpu_binding_hint?: string
      /** @description Request that job steps initiated by srun commands inside this sbatch script be run at some requested frequency if possible, on the CPUs selected for the step on the compute node(s). */
      readonly cpu_frequency?: string
      /** @description Number of CPUs requested per allocated GPU. */
      readonly cpus_per_gpu?: string
      /** @description Advise the Slurm controller that ensuing job steps will require ncpus number of processors per task. */
      readonly cpus_per_task?: number
      /** @description Instruct Slurm to connect the batch script's standard output directly to the file name. */
      readonly current_working_directory?: string
      /** @description Remove the job if no ending is possible before this deadline (start > (deadline - time[-min])). */
      readonly deadline?: string
      /** @description Do not reboot nodes in order to satisfied this job's feature specification if the job has been eligible to run for less than this time period. */
      readonly delay_boot?: number
      /** @description Defer the start of this job until the specified dependencies have been satisfied completed. */
      readonly dependency?: string
      /** @description Specify alternate distribution methods for remote processes. */
      readonly distribution?: string
      /** @description Dictionary of environment entries. */
      readonly environment: Record<string, never>
      /**
       * @description The job allocation can share nodes just other users with the "user" option or with the "mcs" option).
       * @enum {string}
       */
      readonly exclusive?: 'user' | 'mcs' | 'true' | 'false'
      /** @description Load new login environment for user on job node. */
      readonly get_user_environment?: boolean
      /** @description Specifies a comma delimited list of generic consumable resources. */
      readonly gres?: string
      /**
       * @description Specify generic resource task binding options.
       * @enum {string}
       */
      readonly gres_flags?: 'disable-binding' | 'enforce-binding'
      /** @description Requested binding of tasks to GPU. */
      readonly gpu_binding?: string
      /** @description Requested GPU frequency. */
      readonly gpu_frequency?: string
      /** @description GPUs per job. */
      readonly gpus?: string
      /** @description GPUs per node. */
      readonly gpus_per_node?: string
      /** @description GPUs per socket. */
      readonly gpus_per_socket?: string
      /** @description GPUs per task. */
      readonly gpus_per_task?: string
      /** @description Specify the job is to be submitted in a held state (priority of zero). */
      readonly hold?: boolean
      /** @description If a job has an invalid dependency, then Slurm is to terminate it. */
      readonly kill_on_invalid_dependency?: boolean
      /** @description Specification of licenses (or other resources available on all nodes of the cluster) which must be allocated to this job. */
      readonly licenses?: string
      /** @description Notify user by email when certain event types occur. */
      readonly mail_type?: string
      /** @description User to receive email notification of state changes as defined by mail_type. */
      readonly mail_user?: string
      /** @description This parameter is a group among the groups of the user. */
      readonly mcs_label?: string
      /** @description Bind tasks to memory. */
      readonly memory_binding?: string
      /** @description Minimum real memory per cpu (MB). */
      readonly memory_per_cpu?: number
      /** @description Minimum memory required per allocated GPU. */
      readonly memory_per_gpu?: number
      /** @description Minimum real memory per node (MB). */
      readonly memory_per_node?: number
      /** @description Minimum number of CPUs per node. */
      readonly minimum_cpus_per_node?: number
      /** @description If a range of node counts is given, prefer the smaller count. */
      readonly minimum_nodes?: boolean
      /** @description Specify a name for the job allocation. */
      readonly name?: string
      /** @description Run the job with an adjusted scheduling priority within Slurm. */
      readonly nice?: number
      /** @description Do not automatically terminate a job if one of the nodes it has been allocated fails. */
      readonly no_kill?: boolean
      /** @description Request that a minimum of minnodes nodes and a maximum node count. */
      readonly nodes?: readonly number[]
      /**
       * @description Open the output and error files using append or truncate mode as specified.
       * @default append
       * @enum {string}
       */
      readonly open_mode?: 'append' | 'truncate'
      /**
       * @description The job allocation can over-subscribe resources with other running jobs.
       * @default false
       */
      readonly oversubscribe?: boolean
      /** @description Request a specific partition for the resource allocation. */
      readonly partition?: string
      /** @description Comma delimited list of features for scheduler to prefer but not a strict requirement like a constraint. Value can be used for job submission but is only displayed for PENDING jobs. */
      readonly prefer?: string
      /** @description Request a specific job priority. */
      readonly priority?: string
      /** @description Request a quality of service for the job. */
      readonly qos?: string
      /** @description Specifies that the batch job should eligible to being requeue. */
      readonly requeue?: boolean
      /** @description Allocate resources for the job from the named reservation. */
      readonly reservation?: string
      /** @description When a job is within sig_time seconds of its end time, send it the signal sig_num. */
      readonly signal?: string
      /** @description Restrict node selection to nodes with at least the specified number of sockets. */
      readonly sockets_per_node?: number
      /** @description Spread the job allocation over as many nodes as possible and attempt to evenly distribute tasks across the allocated nodes. */
      readonly spread_job?: boolean
      /** @description Instruct Slurm to connect the batch script's standard error directly to the file name. */
      readonly standard_error?: string
      /** @description Instruct Slurm to connect the batch script's standard input directly to the file name specified. */
      readonly standard_input?: string
      /** @description Instruct Slurm to connect the batch script's standard output directly to the file name. */
      readonly standard_output?: string
      /** @description Advises the Slurm controller that job steps run within the allocation will launch a maximum of number tasks and to provide for sufficient resources. */
      readonly tasks?: number
      /** @description Request the maximum ntasks be invoked on each core. */
      readonly tasks_per_core?: number
      /** @description Request the maximum ntasks be invoked on each node. */
      readonly tasks_per_node?: number
      /** @description Request the maximum ntasks be invoked on each socket. */
      readonly tasks_per_socket?: number
      /** @description Count of specialized threads per node reserved by the job for system operations and not used by the application. */
      readonly thread_specification?: number
      /** @description Restrict node selection to nodes with at least the specified number of threads per core. */
      readonly threads_per_core?: number
      /** @description Step time limit in minutes. */
      readonly time_limit?: number
      /** @description Minimum run time in minutes. */
      readonly time_minimum?: number
      /** @description Do not begin execution until all nodes are ready for use. */
      readonly wait_all_nodes?: boolean
      /** @description Specify wckey to be used with job. */
      readonly wckey?: string
    }
    readonly 'v0.0.38_node': {
      /** @description computer architecture */
      readonly architecture?: string
      /** @description BcastAddr */
      readonly burstbuffer_network_address?: string
      /** @description total number of boards per node */
      readonly boards?: number
      /**
       * Format: int64
       * @description timestamp of node boot
       */
      readonly boot_time?: number
      /** @description number of cores per socket */
      readonly cores?: number
      /** @description Default task binding */
      readonly cpu_binding?: number
      /**
       * Format: int64
       * @description CPU load * 100
       */
      readonly cpu_load?: number
      /** @description free memory in MiB */
      readonly free_memory?: number
      /** @description configured count of cpus running on the node */
      readonly cpus?: number
      readonly features?: string
      /** @description list of a node's available features */
      readonly active_features?: string
      /** @description list of a node's generic resources */
      readonly gres?: string
      /** @description list of drained GRES */
      readonly gres_drained?: string
      /** @description list of GRES in current use */
      readonly gres_used?: string
      /** @description mcs label if mcs plugin in use */
      readonly mcs_label?: string
      /** @description node name to slurm */
      readonly name?: string
      /** @description state after reboot */
      readonly next_state_after_reboot?: string
      /** @description node state flags */
      readonly next_state_after_reboot_flags?: readonly string[]
      /** @description state after reboot */
      readonly address?: string
      /** @description node's hostname */
      readonly hostname?: string
      /** @description current node state */
      readonly state?: string
      /** @description node state flags */
      readonly state_flags?: readonly string[]
      /** @description operating system */
      readonly operating_system?: string
      /** @description User allowed to use this node */
      readonly owner?: string
      /** @description assigned partitions */
      readonly partitions?: readonly string[]
      /** @description TCP port number of the slurmd */
      readonly port?: number
      /** @description configured MB of real memory on the node */
      readonly real_memory?: number
      /** @description reason for node being DOWN or DRAINING */
      readonly reason?: string
      /** @description Time stamp when reason was set */
      readonly reason_changed_at?: number
      /** @description User that set the reason */
      readonly reason_set_by_user?: string
      /**
       * Format: int64
       * @description timestamp of slurmd startup
       */
      readonly slurmd_start_time?: number
      /** @description total number of sockets per node */
      readonly sockets?: number
      /** @description number of threads per core */
      readonly threads?: number
      /** @description configured MB of total disk in TMP_FS */
      readonly temporary_disk?: number
      /** @description arbitrary priority of node for scheduling */
      readonly weight?: number
      /** @description TRES on node */
      readonly tres?: string
      /** @description TRES used on node */
      readonly tres_used?: string
      /**
       * Format: double
       * @description TRES weight used on node
       */
      readonly tres_weighted?: number
      /** @description Slurmd version */
      readonly slurmd_version?: string
      /**
       * Format: int64
       * @description Allocated CPUs
       */
      readonly alloc_cpus?: number
      /**
       * Format: int64
       * @description Idle CPUs
       */
      readonly idle_cpus?: number
      /**
       * Format: int64
       * @description Allocated memory (MB)
       */
      readonly alloc_memory?: number
    }
    readonly 'v0.0.38_nodes_response': {
      readonly meta?: components['schemas']['v0.0.38_meta']
      /** @description slurm errors */
      readonly errors?: readonly components['schemas']['v0.0.38_error'][]
      /** @description nodes info */
      readonly nodes?: readonly components['schemas']['v0.0.38_node'][]
    }
    readonly 'v0.0.38_meta': {
      readonly plugin?: {
        readonly type?: string
        readonly name?: string
      }
      /** @description Slurm information */
      readonly Slurm?: {
        readonly version?: {
          readonly major?: string
          readonly micro?: string
          readonly minor?: string
        }
        /** @description version specifier */
        readonly release?: string
      }
    }
  }
  responses: never
  parameters: never
  requestBodies: never
  headers: never
  pathItems: never
}
export type $defs = Record<string, never>
export interface operations {
  readonly slurm_v0_0_38_diag: {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description diagnostic results */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_diag']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_diag']
        }
      }
      /** @description unable to request ping test */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_slurmctld_get_licenses: {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description results of get all licenses */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_licenses']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_licenses']
        }
      }
      /** @description unable to request licenses */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content?: never
      }
    }
  }
  readonly slurm_v0_0_38_ping: {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description results of ping test */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_pings']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_pings']
        }
      }
      /** @description unable to request ping test */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_jobs: {
    readonly parameters: {
      readonly query?: {
        /** @description Filter if changed since update_time. Use of this parameter can result in faster replies. */
        readonly update_time?: number
      }
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description job(s) information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_jobs_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_jobs_response']
        }
      }
      /** @description job not found */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_job: {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path: {
        /** @description Slurm JobID */
        readonly job_id: string
      }
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description job(s) information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_jobs_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_jobs_response']
        }
      }
      /** @description job matching JobId not found */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content?: never
      }
    }
  }
  readonly slurm_v0_0_38_update_job: {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path: {
        /** @description Slurm Job ID */
        readonly job_id: string
      }
      readonly cookie?: never
    }
    /** @description update job */
    readonly requestBody: {
      readonly content: {
        readonly 'application/json': components['schemas']['v0.0.38_job_properties']
        readonly 'application/x-yaml': components['schemas']['v0.0.38_job_properties']
      }
    }
    readonly responses: {
      /** @description job information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content?: never
      }
      /** @description job not found */
      readonly 500: {
        headers: {
          readonly [name: string]: unknown
        }
        content?: never
      }
    }
  }
  readonly slurm_v0_0_38_cancel_job: {
    readonly parameters: {
      readonly query?: {
        /** @description signal to send to job */
        readonly signal?: components['schemas']['v0.0.38_signal']
      }
      readonly header?: never
      readonly path: {
        /** @description Slurm Job ID */
        readonly job_id: string
      }
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description job cancelled or sent signal */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content?: never
      }
      /** @description job not found */
      readonly 500: {
        headers: {
          readonly [name: string]: unknown
        }
        content?: never
      }
    }
  }
  readonly slurm_v0_0_38_submit_job: {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    /** @description submit new job */
    readonly requestBody: {
      readonly content: {
        readonly 'application/json': components['schemas']['v0.0.38_job_submission']
        readonly 'application/x-yaml': components['schemas']['v0.0.38_job_submission']
      }
    }
    readonly responses: {
      /** @description job submitted */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_job_submission_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_job_submission_response']
        }
      }
      /** @description job rejected */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_nodes: {
    readonly parameters: {
      readonly query?: {
        /** @description Filter if changed since update_time. Use of this parameter can result in faster replies. */
        readonly update_time?: number
      }
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description node information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_nodes_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_nodes_response']
        }
      }
      /** @description no nodes in cluster */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_node: {
    readonly parameters: {
      readonly query?: never
      readonly header?: never
      readonly path: {
        /** @description Slurm Node Name */
        readonly node_name: string
      }
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description node information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_nodes_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_nodes_response']
        }
      }
      /** @description node not found */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_partitions: {
    readonly parameters: {
      readonly query?: {
        /** @description Filter if changed since update_time. Use of this parameter can result in faster replies. */
        readonly update_time?: number
      }
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description partition information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_partitions_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_partitions_response']
        }
      }
      /** @description no partitions found */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_partition: {
    readonly parameters: {
      readonly query?: {
        /** @description Filter if there were no partition changes (not limited to partition in URL endpoint) since update_time. */
        readonly update_time?: number
      }
      readonly header?: never
      readonly path: {
        /** @description Slurm Partition Name */
        readonly partition_name: string
      }
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description partition information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_partitions_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_partitions_response']
        }
      }
      /** @description no partitions found */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_reservations: {
    readonly parameters: {
      readonly query?: {
        /** @description Filter if changed since update_time. Use of this parameter can result in faster replies. */
        readonly update_time?: number
      }
      readonly header?: never
      readonly path?: never
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description reservation information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_reservations_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_reservations_response']
        }
      }
      /** @description no reservations found */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
  readonly slurm_v0_0_38_get_reservation: {
    readonly parameters: {
      readonly query?: {
        /** @description Filter if no reservation (not limited to reservation in URL) changed since update_time. */
        readonly update_time?: number
      }
      readonly header?: never
      readonly path: {
        /** @description Slurm Reservation Name */
        readonly reservation_name: string
      }
      readonly cookie?: never
    }
    readonly requestBody?: never
    readonly responses: {
      /** @description reservation information */
      readonly 200: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_reservations_response']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_reservations_response']
        }
      }
      /** @description no reservations found */
      readonly default: {
        headers: {
          readonly [name: string]: unknown
        }
        content: {
          readonly 'application/json': components['schemas']['v0.0.38_errors']
          readonly 'application/x-yaml': components['schemas']['v0.0.38_errors']
        }
      }
    }
  }
}
