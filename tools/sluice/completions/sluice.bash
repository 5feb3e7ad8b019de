# bash completion for sluice(1): options, subcommands and the values options take.
# Installed as share/bash-completion/completions/sluice; tests/integration/cli_docs_test.cpp
# checks that it names every long option of `sluice --help` and of each subcommand's --help.

_sluice() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}

  local fetch_options="-h --help --version -c --concurrency --max-concurrency --engine --event-loops
    --timeout --connect-timeout --stall-timeout --retries --retry-backoff --max-retry-wait
    --grace --max-bandwidth --bandwidth-burst --rate --per-host --per-host-rate --connect-window -o
    --output-dir --layout --skip-existing --continue --results
    --summary-json --stats-log --resume --retry-failed --progress -q --quiet --max-redirects
    --max-expansion --max-body --user-agent -k --insecure --resolve
    -H --header -u --user --oauth2-bearer --compressed --cacert --capath --cert --key -x
    --proxy --noproxy -b --cookie --http1.1 --http2 --http2-prior-knowledge -X --request
    -d --data --data-binary --retry-all-methods -g --globoff --input-format --hash
    --record-header --save-errors"
  # watch writes each job's results to OUTBOX: --results and its kin do not apply there.
  local watch_options="-h --help --out -c --concurrency --max-concurrency --engine --event-loops
    --timeout --connect-timeout --stall-timeout --retries --retry-backoff --max-retry-wait --grace
    --max-bandwidth --bandwidth-burst --rate --per-host --per-host-rate --connect-window -o
    --output-dir --layout --skip-existing --continue --progress -q --quiet
    --max-redirects --max-expansion --max-body --user-agent -k --insecure --resolve
    -H --header -u --user --oauth2-bearer --compressed --cacert --capath --cert --key -x
    --proxy --noproxy -b --cookie --http1.1 --http2 --http2-prior-knowledge -X --request
    -d --data --data-binary --retry-all-methods -g --globoff --input-format --hash
    --record-header --save-errors"
  local redis_options="--redis --job --redis-cacert --redis-cert --redis-key --redis-insecure"
  local job_options="-h --help $redis_options"
  local worker_options="$watch_options $redis_options --consumer --lease"
  local serve_options="-h --help --port --listen --latency --jitter --threads --seed --faults
    --bandwidth --capacity --rate-limit --rate-limit-headers --tls --cert --key"
  local faults="reset-before reset-mid truncate stall bad-status huge-headers endless 503 429"

  local subcommand="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      serve | watch | demo | submit | worker | results | status)
        subcommand=${COMP_WORDS[i]}
        break
        ;;
    esac
  done

  case $prev in
    --engine)
      mapfile -t COMPREPLY < <(compgen -W "loop threads textbook-slices textbook-permits" -- "$cur")
      return
      ;;
    -c | --concurrency | --event-loops)
      mapfile -t COMPREPLY < <(compgen -W "auto" -- "$cur")
      return
      ;;
    --rate-limit-headers)
      mapfile -t COMPREPLY < <(compgen -W "ietf x" -- "$cur")
      return
      ;;
    --layout)
      mapfile -t COMPREPLY < <(compgen -W "flat path" -- "$cur")
      return
      ;;
    --input-format)
      mapfile -t COMPREPLY < <(compgen -W "auto lines jsonl" -- "$cur")
      return
      ;;
    --hash)
      mapfile -t COMPREPLY < <(compgen -W "sha256" -- "$cur")
      return
      ;;
    -X | --request)
      mapfile -t COMPREPLY < <(compgen -W "GET HEAD POST PUT PATCH DELETE OPTIONS" -- "$cur")
      return
      ;;
    --faults)
      mapfile -t COMPREPLY < <(compgen -S = -W "$faults" -- "$cur")
      compopt -o nospace 2>/dev/null
      return
      ;;
    -o | --output-dir | --out | --capath)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      compopt -o filenames 2>/dev/null
      return
      ;;
    --results | --summary-json | --stats-log | --resume | --cacert | --cert | --key | -b | \
      --cookie | --redis-cacert | --redis-cert | --redis-key)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      compopt -o filenames 2>/dev/null
      return
      ;;
    --max-concurrency | --timeout | --connect-timeout | --stall-timeout | --retries | \
      --retry-backoff | --max-retry-wait | --grace | --max-bandwidth | --bandwidth-burst | \
      --rate | --per-host | --per-host-rate | --connect-window | --max-redirects | \
      --max-expansion | --max-body | --user-agent | \
      --resolve | -H | --header | -u | --user | --oauth2-bearer | -x | --proxy | --noproxy | \
      -d | --data | --data-binary | --record-header | \
      --port | --listen | --latency | --jitter | --threads | --seed | --bandwidth | \
      --capacity | --rate-limit | --redis | --job | --consumer | --lease)
      return  # a value of the user's own
      ;;
  esac

  if [[ $cur == -* ]]; then
    local options=$fetch_options
    case $subcommand in
      serve) options=$serve_options ;;
      watch) options=$watch_options ;;
      demo) options="-h --help" ;;
      submit) options="$job_options --append" ;;
      worker) options=$worker_options ;;
      results) options="$job_options --follow" ;;
      status) options=$job_options ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return
  fi

  case $subcommand in
    watch) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;  # INBOX
    serve | demo | worker | results | status) ;;
    *)
      if [[ $cur == @* ]]; then  # @FILE: a list of URLs
        mapfile -t COMPREPLY < <(compgen -P @ -f -- "${cur#@}")
      elif ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "serve watch demo submit worker results status" -- "$cur")
      fi
      ;;
  esac
}

complete -F _sluice sluice
