# bench/stack_env.sh: the environment of a benchmark's private stack,
# sourced by bench_web.sh, bench_phone.sh and soak.sh. Its state lives
# under WORKDIR, its database is DBNAME, and no framefit setting of the
# caller's shell leaks in (a benchmark measures the defaults).
#
#   . "$root/bench/stack_env.sh"; bench_stack_env WORKDIR DBNAME
bench_stack_env() {
	export FF_VAR=$1
	export FF_DB_DIR=$1/mysql
	export FF_DB_SOCKET=$1/mysql/mysql.sock
	export FF_DB_NAME=$2
	export FF_SECRET_FILE=$1/secret
	export FF_ADMIN_USER=admin FF_ADMIN_PASSWORD=bench-admin-pw
	export FF_PROCS=${FF_PROCS:-2}
	unset FF_MODELS_DIR FF_TEMPLATES FF_STATIC FF_SQL_DIR FF_MIGRATE \
		FF_MAX_REQUESTS FF_TRUSTED_PROXY FF_REQUEST_CPU_S FF_REQUEST_MEM_MB \
		FF_EMBED_ORIGINS FF_NEWSLETTER FF_CONSENT_DAYS FF_CURRENCY \
		FF_DB_HOST FF_DB_PORT FF_DB_SSL FF_DB_SSL_CA FF_DB_SSL_CERT FF_DB_SSL_KEY
	# Every connection comes from 127.0.0.1: the per-client upload limits
	# (docs/ADMIN.md) would answer most of them 429.
	export FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0
}
