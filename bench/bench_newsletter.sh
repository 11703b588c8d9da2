#!/bin/bash
# bench_newsletter.sh: the newsletter batch at scale (issue 11, item 5):
# `framefit batch --job NAME --frame SKU --out DIR` over COUNT uploads
# kept with the shopper's consent.
#
#   bench/bench_newsletter.sh [COUNT [RENDER_S]]
#
# Builds COUNT uploads (default 100,000) in a private MariaDB started by
# scripts/db.sh with ./run.sh's settings (a 64 MB buffer pool): a handful
# of real photos ($FF_FACES, MTFL's lfw part, 250 x 250) stored once with
# their real detections (`framefit detect --json`), then copied row by
# row in SQL, 5,000 rows a statement, each with a fresh token, its own
# detection and faces, and a consent row; 1 % never consented and 0.5 %
# withdrew, so the loader must pass them by, and 0.1 % withdraw once the
# job is loaded, so the workers must skip them. The rows are stored over
# the past 360 days (consents given over a year) with the expiries the
# application gives them: FF_CONSENT_DAYS (365) after upload with
# consent, 24 hours without or once withdrawn, so the day-old ones
# without consent are due for the purge, as in a shop. Then runs the job
# with --jobs 2 for RENDER_S seconds (default 240) and stops it with
# SIGINT.
# Prints:
#   - the build time of the rows and the database's size per 100,000;
#   - the load rate (uploads/s queued) and how many were queued;
#   - renders/s with the JPEGs written (the run's own summary), the
#     JPEGs on disk and bytes per JPEG;
#   - InnoDB lock memory and buffer-pool use while it runs;
#   - `framefit purge --dry-run` over the kept photos (those without
#     consent are due).
# The database is kept between runs with the same COUNT (FRESH=1 starts
# over); the output folder and the job are new every run.
#
# Environment: FF_BUILD_DIR (default the repository), FF_FACES,
# FF_BENCH_MODELS as bench_batch.sh; PHOTO_PX=N stores the photos at N
# pixels a side instead (1600: the largest the shop stores), upscaled with
# ImageMagick and given a camera's grain so they weigh what a photo of
# that size does, encoded at the shop's store quality (89), in a database
# of their own (var/bench-newsletter-N). It prints numbers, never pass or
# fail.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FF_BUILD_DIR:-$root}
cli=$build/src/framefit
faces=${FF_FACES:-$root/../shared/data/faces}
count=${1:-100000}
render_s=${2:-240}
px=${PHOTO_PX:-}
case $px in ''|[1-9]|[1-9][0-9]|[1-9][0-9][0-9]|1[0-5][0-9][0-9]|1600) ;;
*) echo "bench_newsletter.sh: PHOTO_PX must be 1 to 1600" >&2; exit 1 ;; esac
work=$root/var/bench-newsletter${px:+-$px}
if [ -n "${FF_BENCH_MODELS:-}" ]; then
	models=$FF_BENCH_MODELS
else
	models=$root/models
fi
export FF_DB_DIR=$work/mysql FF_DB_SOCKET=$work/mysql/mysql.sock
export FF_DB_NAME=framefit_newsletter FF_SQL_DIR=$root/sql
export FF_MODELS_DIR=$models
unset FF_MIGRATE FF_DB_LEAST

die() { echo "bench_newsletter.sh: $*" >&2; exit 1; }
[ -x "$cli" ] || die "no $cli (set FF_BUILD_DIR)"
case $count in ''|*[!0-9]*|0) die "COUNT must be a positive number" ;; esac
mkdir -p "$work"
sql() { "$root/scripts/db.sh" sql -N -B -e "$1"; }
sampler=
runner=
cleanup() {
	[ -n "$runner" ] && kill -INT "$runner" 2>/dev/null && wait "$runner"
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	"$root/scripts/db.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT
"$root/scripts/db.sh" start >"$work/db.out" 2>&1 || die "database: $(cat "$work/db.out")"
have=$(sql "SELECT COUNT(*) FROM uploads" 2>/dev/null || echo 0)
if [ "${FRESH:-0}" = 1 ] || [ "$have" != "$count" ]; then
	FF_DB_NAME=mysql "$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS
	    framefit_newsletter; CREATE DATABASE framefit_newsletter CHARACTER
	    SET utf8mb4 COLLATE utf8mb4_unicode_ci" || die "cannot create the database"
	have=0
fi
echo "# $(date -u +%FT%TZ) bench_newsletter.sh $count $render_s"
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
echo "# buffer pool: $(sql "SELECT @@innodb_buffer_pool_size / 1048576") MB (scripts/db.sh, as ./run.sh)"
# The schema: any batch command migrates first (this one then finds no job).
"$cli" batch --delete no-such-job >/dev/null 2>&1

# ---- The rows ----
if [ "$have" = 0 ]; then
	t0=$(date +%s.%N)
	seeds=$(find "$faces/mtfl/images/lfw_5590" -name '*.jpg' | sort | head -n 8)
	[ "$(echo "$seeds" | wc -l)" = 8 ] || die "fewer than 8 photos in $faces"
	for f in $seeds; do
		if [ -n "$px" ]; then
			convert "$f" -resize "${px}x${px}" -attenuate 0.6 \
			    +noise Gaussian -quality 89 "$work/seed.jpg" ||
			    die "convert $f (ImageMagick)"
			f=$work/seed.jpg
		fi
		j=$("$cli" detect --json "$f" 2>/dev/null) || die "detect $f"
		nf=$(echo "$j" | jq '.faces | length')
		[ "$nf" -gt 0 ] || continue
		w=$(echo "$j" | jq .width); h=$(echo "$j" | jq .height)
		hex=$(xxd -p "$f" | tr -d '\n')
		faces_sql=$(echo "$j" | jq -r '.faces | to_entries[] |
		    "(@d, \(.key), \(.value.score), \(.value.box[0]), \(.value.box[1]), \(.value.box[2]), \(.value.box[3]), \(.value.left_eye[0]), \(.value.left_eye[1]), \(.value.right_eye[0]), \(.value.right_eye[1]))"' | paste -sd,)
		# On standard input: a large photo's hex is over what one
		# argument of a command may hold.
		echo "INSERT INTO uploads (token, sha256, mime, width, height, bytes,
		    source, expires) VALUES (LEFT(REPLACE(REPLACE(TO_BASE64(
		    RANDOM_BYTES(24)), '+', '-'), '/', '_'), 32),
		    UNHEX(SHA2(0x$hex, 256)), 'image/jpeg', $w, $h, 0x$hex, 'form',
		    UTC_TIMESTAMP() + INTERVAL 365 DAY);
		    SET @u = LAST_INSERT_ID();
		    INSERT INTO detections (upload_id, faces, ms) VALUES (@u, $nf, 10);
		    SET @d = LAST_INSERT_ID();
		    INSERT INTO detection_faces (detection_id, idx, score, box_x, box_y,
		    box_w, box_h, left_eye_x, left_eye_y, right_eye_x, right_eye_y)
		    VALUES $faces_sql;
		    INSERT INTO upload_consents (upload_id, purpose, wording)
		    VALUES (@u, 'newsletter', 'bench')" |
		    "$root/scripts/db.sh" sql -N -B || die "seed $f"
	done
	nseed=$(sql "SELECT COUNT(*) FROM uploads")
	[ "$nseed" -gt 0 ] || die "no seed photo with a face"
	seedmax=$(sql "SELECT MAX(id) FROM uploads")
	# Copied from a table of their own: INSERT ... SELECT from the
	# table it inserts into would go through a temporary table.
	sql "CREATE TABLE bench_seed ENGINE=InnoDB AS SELECT id, sha256, mime,
	    width, height, bytes FROM uploads" || die "seed table"
	# 5,000 rows a statement, or fewer large ones: about 40 MB of photos.
	per=$((5000 / nseed))
	big=$(sql "SELECT 40000000 DIV (SUM(OCTET_LENGTH(bytes)) + 1) FROM uploads")
	[ "$big" -lt "$per" ] && per=$big
	[ "$per" -ge 1 ] || per=1
	n=$nseed
	while [ "$n" -lt "$count" ]; do
		take=$((count - n < per * nseed ? count - n : per * nseed))
		lo=$(sql "SELECT MAX(id) FROM uploads")
		sql "INSERT INTO uploads (token, sha256, mime, width, height, bytes,
		    source, expires) SELECT LEFT(REPLACE(REPLACE(TO_BASE64(
		    RANDOM_BYTES(24)), '+', '-'), '/', '_'), 32), s.sha256, s.mime,
		    s.width, s.height, s.bytes, 'form', UTC_TIMESTAMP() + INTERVAL
		    365 DAY FROM bench_seed s JOIN seq_1_to_$per q LIMIT $take" ||
		    die "copying uploads"
		sql "INSERT INTO detections (upload_id, faces, ms) SELECT u.id,
		    sd.faces, sd.ms FROM uploads u JOIN uploads s ON s.sha256 = u.sha256
		    AND s.id <= $seedmax JOIN detections sd ON sd.upload_id = s.id
		    WHERE u.id > $lo;
		    INSERT INTO detection_faces (detection_id, idx, score, box_x, box_y,
		    box_w, box_h, left_eye_x, left_eye_y, right_eye_x, right_eye_y)
		    SELECT d.id, f.idx, f.score, f.box_x, f.box_y, f.box_w, f.box_h,
		    f.left_eye_x, f.left_eye_y, f.right_eye_x, f.right_eye_y FROM
		    detections d JOIN uploads u ON u.id = d.upload_id JOIN uploads s
		    ON s.sha256 = u.sha256 AND s.id <= $seedmax JOIN detections sd ON
		    sd.upload_id = s.id JOIN detection_faces f ON f.detection_id = sd.id
		    WHERE d.upload_id > $lo;
		    INSERT INTO upload_consents (upload_id, purpose, wording, withdrawn)
		    SELECT id, 'newsletter', 'bench', IF(id % 200 = 1, UTC_TIMESTAMP(),
		    NULL) FROM uploads WHERE id > $lo AND id % 100 <> 0" ||
		    die "copying detections and consents"
		n=$((n + take))
	done
	# Stored over the past 360 days, with the application's expiries.
	sql "UPDATE uploads SET created = created - INTERVAL (id % 360) DAY,
	    expires = expires - INTERVAL (id % 360) DAY;
	    UPDATE uploads u LEFT JOIN upload_consents c ON c.upload_id = u.id
	    AND c.withdrawn IS NULL SET u.expires = LEAST(u.expires, u.created +
	    INTERVAL 1 DAY) WHERE c.upload_id IS NULL" || die "ageing the rows"
	t1=$(date +%s.%N)
	echo "rows: $count uploads with detections (1 % without consent, 0.5 % withdrawn) built in $(echo "$t1 - $t0" | bc) s"
fi
sql "ANALYZE TABLE uploads, detections, detection_faces, upload_consents" >/dev/null
echo "database: $(sql "SELECT CONCAT(table_name, ' ', ROUND((data_length + index_length) / 1048576, 1), ' MB') FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('uploads', 'detections', 'detection_faces', 'upload_consents') ORDER BY table_name" | paste -sd';' | sed 's/;/; /g')"
echo "photos: $(sql "SELECT ROUND(AVG(OCTET_LENGTH(bytes))) FROM uploads WHERE id <= 8") bytes each, $(sql "SELECT MIN(width) FROM uploads WHERE id <= 8") px; kept with consent now: $(sql "SELECT COUNT(*) FROM upload_consents WHERE withdrawn IS NULL"); due for the purge: $(sql "SELECT COUNT(*) FROM uploads WHERE expires <= UTC_TIMESTAMP()")"

# ---- The sampler ----
samples=$work/samples.tsv
: >"$samples"
(while :; do
	sql "SELECT UNIX_TIMESTAMP(), p.POOL_SIZE, p.FREE_BUFFERS, p.DATABASE_PAGES,
	    p.POOL_SIZE - p.FREE_BUFFERS - p.DATABASE_PAGES,
	    COALESCE((SELECT SUM(trx_lock_memory_bytes) FROM
	      information_schema.INNODB_TRX), 0),
	    COALESCE((SELECT MAX(trx_rows_locked) FROM
	      information_schema.INNODB_TRX), 0)
	    FROM information_schema.INNODB_BUFFER_POOL_STATS p" 2>/dev/null
	sleep 2
done) >>"$samples" &
sampler=$!

# ---- The job ----
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY id LIMIT 1")
job=nl-$(date +%s)
out=$work/out
rm -rf "$out"
mkdir -p "$out"
t0=$(date +%s.%N)
"$cli" batch --job "$job" --frame "$sku" --out "$out" --jobs 2 --no-progress \
    >"$work/run.out" 2>"$work/run.err" &
runner=$!
loaded=
while kill -0 "$runner" 2>/dev/null; do
	now=$(date +%s.%N)
	if [ -z "$loaded" ] && [ "$(sql "SELECT loaded IS NOT NULL FROM batch_jobs WHERE name = '$job'")" = 1 ]; then
		loaded=$now
		q=$(sql "SELECT n_items FROM batch_jobs WHERE name = '$job'")
		# Withdrawn after loading: the workers must skip them. As
		# db_consent_withdraw() does: back to 24 hours after upload.
		sql "UPDATE uploads u JOIN upload_consents c ON c.upload_id = u.id
		    SET c.withdrawn = UTC_TIMESTAMP(), u.expires = LEAST(u.expires,
		    u.created + INTERVAL 1 DAY) WHERE c.upload_id % 1000 = 7 AND
		    c.withdrawn IS NULL"
		echo "load: $q uploads queued in $(echo "$loaded - $t0" | bc | cut -c1-6) s: $(echo "$q / ($loaded - $t0)" | bc) uploads/s (the runner's whole start included)"
	fi
	[ "$(echo "$now - $t0 > $render_s" | bc)" = 1 ] && break
	sleep 1
done
kill -INT "$runner" 2>/dev/null
wait "$runner"
runner=
t1=$(date +%s.%N)
kill "$sampler" 2>/dev/null
sampler=
cat "$work/run.out"
njpg=$(find "$out" -name '*.jpg' | wc -l)
bytes=$(find "$out" -name '*.jpg' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
echo "jpegs: $njpg written, $((bytes / (njpg > 0 ? njpg : 1))) bytes each on average, $(du -sk "$out" | cut -f1) KB on disk"
echo "items: $(sql "SELECT CONCAT(state, ' ', COUNT(*)) FROM batch_items i JOIN batch_jobs j ON j.id = i.job_id WHERE j.name = '$job' GROUP BY state" | paste -sd, | sed 's/,/, /g') (of which skipped: $(sql "SELECT COUNT(*) FROM batch_items i JOIN batch_jobs j ON j.id = i.job_id WHERE j.name = '$job' AND reason LIKE 'consent%'"))"
echo "batch_items: $(sql "SELECT ROUND((data_length + index_length) / 1048576, 1) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'batch_items'") MB for the jobs so far"
awk -v a="${loaded:-$t0}" '$1 >= a { n++; pool = $2; if ($5 > np) np = $5; if ($6 > lm) lm = $6; if ($7 > rl) rl = $7; dp += $4 }
    END { if (n) printf "innodb while rendering: %d samples; pool %d pages; data pages mean %.0f; pages neither data nor free max %d (%.1f%%); lock memory max %d bytes; rows locked by one transaction max %d\n", n, pool, dp / n, np, 100 * np / pool, lm, rl }' "$samples"
tp=$(date +%s.%N)
"$cli" purge --dry-run >"$work/purge.out" 2>&1
echo "purge --dry-run over the kept photos: $(echo "$(date +%s.%N) - $tp" | bc | cut -c1-5) s: $(head -1 "$work/purge.out")"
