# shellcheck shell=bash
# scripts/eye_stages.sh: sourced by scripts/loso.sh and scripts/tune_eyes.sh.
#
# eye_stages BIN CFGDIR CKPT FROM ARGS...
#   `BIN train eyes` then `BIN train refine`, each with CFGDIR/STAGE.cfg,
#   checkpointed into CKPT (a rerun resumes), stderr to CKPT/STAGE.log,
#   ARGS added to both. FROM "shipped" starts each stage from
#   models/STAGE.weights (a fine-tune); "" from scratch. When a stage is
#   done its weights, with the shipped cfg, go to CKPT/models, which
#   `framefit evaluate --models` then reads with the shipped face network.
#   Exits 3 if a stage stopped at its checkpoint (a signal, --minutes),
#   1 if one failed; the next stage does not start on half-trained weights.
eye_stages() {
	local bin=$1 cfgdir=$2 ck=$3 from=$4 s rc
	shift 4
	mkdir -p "$ck/models"
	for s in eyes refine; do
		local init=()
		[ "$from" != shipped ] || init=(--init "models/$s.weights")
		rc=0
		"$bin" train "$s" --cfg "$cfgdir/$s.cfg" --ckpt "$ck" "${init[@]}" "$@" \
			>/dev/null 2>>"$ck/$s.log" || rc=$?
		if [ $rc -eq 3 ]; then
			echo "$(basename "$0"): $ck/$s stopped at its checkpoint; run again to resume" >&2
			exit 3
		fi
		[ $rc -eq 0 ] || { echo "$(basename "$0"): $ck/$s failed (see $ck/$s.log)" >&2; exit 1; }
		cp "$ck/$s.weights" "$ck/models/$s.weights"
		cp "models/$s.cfg" "$ck/models/$s.cfg"
	done
	ln -sf "$PWD/models/face.cfg" "$ck/models/face.cfg"
	ln -sf "$PWD/models/face.weights" "$ck/models/face.weights"
}
