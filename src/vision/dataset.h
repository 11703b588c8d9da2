/*
 * dataset.h: the labelled face photos in ../shared/data/faces.
 *
 * Two sources (see that folder's README): Caltech WebFaces (one line per
 * face, several faces per photo) and MTFL (one face per photo, with pose
 * and glasses flags). Both are read into one list of images, each with
 * its labelled faces in pixels of the stored image.
 *
 * The validation split is fixed and deterministic, by file: FNV-1a of the
 * path relative to the data root, modulo 100, below DS_VAL_PERCENT. It
 * never depends on the order of lines, the machine or a random seed, and
 * training never reads a validation image.
 */
#ifndef FF_VISION_DATASET_H
#define FF_VISION_DATASET_H
#include "core/err.h"
#include "vision/geometry.h"

#define DS_VAL_PERCENT	12

enum ds_source { DS_CALTECH = 0, DS_MTFL = 1 };

/*
 * The three collections the photos come from, which a held-out-source
 * evaluation leaves out one at a time: Caltech WebFaces, and MTFL's two
 * parts, which were gathered apart (Labeled Faces in the Wild's news
 * photos, and photos from the web) and labelled by different hands.
 */
enum ds_part { DS_PART_CALTECH, DS_PART_LFW, DS_PART_NET, DS_PART__MAX };

struct ds_face {
	struct landmarks	 pts;
	int			 pose;		/* MTFL 1..5 (3 frontal); 0 unknown */
	int			 glasses;	/* 1 yes, 0 no or unknown */
};

struct ds_image {
	char		*path;		/* absolute or root-relative path */
	char		*name;		/* path relative to the data root */
	int		 w, h;
	enum ds_source	 source;
	enum ds_part	 part;
	int		 val;		/* 1 if in the validation split */
	int		 nfaces;
	struct ds_face	*faces;
};

struct dataset {
	struct ds_image	*img;
	int		 n;
	int		 nfaces;
};

/*
 * Read both annotation files under root (e.g. "../shared/data/faces"),
 * every point moved to framefit's pixel convention (ds_label_centre) and
 * every eye to one eye-centre convention (ds_label_convention).
 * FF_EIO if a file cannot be read, FF_EINPUT (with the line number on
 * stderr) if a line is malformed. ds_free() releases everything.
 */
enum ff_err	ds_load(const char *root, struct dataset *);
void		ds_free(struct dataset *);

/* "caltech", "mtfl-lfw", "mtfl-net"; NULL for an out-of-range value. */
const char	*ds_part_name(enum ds_part);
/* The part named `name` (as ds_part_name gives it); FF_EINPUT if none. */
enum ff_err	 ds_part_parse(const char *name, enum ds_part *);
/* The part a root-relative image name belongs to. */
enum ds_part	 ds_part_of(enum ds_source, const char *name);

/* 1 if the root-relative name belongs to the validation split. */
int		ds_is_val(const char *name);

/*
 * The labels count pixels from 1, with a pixel's centre at a whole number
 * (as MATLAB does); framefit's samplers (image/sample.h) put pixel i's
 * centre at i + 0.5. Both are DS_LABEL_SHIFT apart, on both axes:
 * ds_label_centre() moves a face's points by it. The evidence is in
 * models/README.md: trained with mirrored crops, the eye stages learn the
 * mirror-symmetric centre across the face, and sat half a pixel left of
 * the labels at every face size, in both sources, but not above or below
 * them, where nothing was mirrored.
 */
#define DS_LABEL_SHIFT	0.5f
void		ds_label_centre(struct landmarks *);

/*
 * Where each part's labellers put the eye centre against the three parts'
 * pooled convention, in inter-ocular distances: along the eye line
 * towards the other eye, and across it down the face (geometry.h
 * geom_eye_offsets' frame). Read from the photos, with no model between:
 * every part's frontal eyes, cut out around their labels and averaged,
 * are matched to the pooled mean eye on the iris (scripts/eye_patches.py; the
 * evidence, and the held-out runs that agree with it, are in
 * models/README.md). ds_label_convention() moves a face's eye labels by
 * minus its part's offset, so every part trains and scores against one
 * eye centre; ds_load() applies it after ds_label_centre(). The nose and
 * mouth are left as labelled.
 */
struct ds_convention {
	float	along_in, down;
};
extern const struct ds_convention ds_conventions[DS_PART__MAX];
void		ds_label_convention(struct landmarks *, enum ds_part);

/*
 * Parse one annotation line of either format into img/face, as the file
 * gives it (no ds_label_centre). Returns
 * FF_OK, or FF_EINPUT for a malformed line; comment lines ("#...") and
 * blank lines give FF_ENOTFOUND so the caller skips them.
 * file receives the file name token (points into a buffer of size len).
 */
enum ff_err	ds_parse_line(enum ds_source, const char *line, char *file,
		    size_t len, int *w, int *h, struct ds_face *);

#endif
