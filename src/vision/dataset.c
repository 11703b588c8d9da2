#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "vision/dataset.h"

int
ds_is_val(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	return h % 100 < DS_VAL_PERCENT;
}

static const char *const part_names[DS_PART__MAX] = {
	[DS_PART_CALTECH] = "caltech",
	[DS_PART_LFW] = "mtfl-lfw",
	[DS_PART_NET] = "mtfl-net",
};

const char *
ds_part_name(enum ds_part p)
{
	return (unsigned)p < DS_PART__MAX ? part_names[p] : NULL;
}

enum ff_err
ds_part_parse(const char *name, enum ds_part *out)
{
	for (int p = 0; p < DS_PART__MAX; p++)
		if (name != NULL && strcmp(name, part_names[p]) == 0) {
			*out = (enum ds_part)p;
			return FF_OK;
		}
	return FF_EINPUT;
}

enum ds_part
ds_part_of(enum ds_source src, const char *name)
{
	if (src == DS_CALTECH)
		return DS_PART_CALTECH;
	/* MTFL keeps its two collections in folders of their own. */
	return strstr(name, "/lfw_") != NULL ? DS_PART_LFW : DS_PART_NET;
}

enum ff_err
ds_parse_line(enum ds_source src, const char *line, char *file, size_t len,
    int *w, int *h, struct ds_face *f)
{
	float v[10];
	int flags[4] = { 0, 0, 0, 0 }, n, used = 0;
	char fmt[32];

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '#' || *line == '\n' || *line == '\r' || *line == '\0')
		return FF_ENOTFOUND;
	if (len < 2)
		return FF_EINPUT;
	snprintf(fmt, sizeof fmt, "%%%zus %%d %%d%%n", len - 1);
	if (sscanf(line, fmt, file, w, h, &used) != 3 || *w <= 0 || *h <= 0)
		return FF_EINPUT;
	line += used;
	memset(f, 0, sizeof *f);
	if (src == DS_CALTECH) {
		n = sscanf(line, "%f %f %f %f %f %f %f %f", &v[0], &v[1], &v[2],
		    &v[3], &v[4], &v[5], &v[6], &v[7]);
		if (n != 8)
			return FF_EINPUT;
		f->pts.mx = v[6];
		f->pts.my = v[7];
	} else {
		n = sscanf(line, "%f %f %f %f %f %f %f %f %f %f %d %d %d %d",
		    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		    &v[8], &v[9], &flags[0], &flags[1], &flags[2], &flags[3]);
		if (n != 14 || flags[3] < 1 || flags[3] > 5)
			return FF_EINPUT;
		/* MTFL labels the mouth corners; the centre is their midpoint. */
		f->pts.mx = (v[6] + v[8]) / 2;
		f->pts.my = (v[7] + v[9]) / 2;
		f->glasses = flags[2] == 1;
		f->pose = flags[3];
	}
	f->pts.lx = v[0]; f->pts.ly = v[1];
	f->pts.rx = v[2]; f->pts.ry = v[3];
	f->pts.nx = v[4]; f->pts.ny = v[5];
	/* The README promises image-left first; a swapped label is a bad line. */
	if (!(f->pts.lx <= f->pts.rx))
		return FF_EINPUT;
	return FF_OK;
}

static enum ff_err
load_one(const char *root, const char *sub, enum ds_source src, struct dataset *ds)
{
	char path[4096], file[1024], *line = NULL;
	size_t cap = 0, lineno = 0;
	struct ds_face f;
	enum ff_err er = FF_OK;
	FILE *fp;
	int w, h;
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s/annotations.txt", root, sub);
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "framefit: %s: %s\n", path, strerror(errno));
		return FF_EIO;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		lineno++;
		er = ds_parse_line(src, line, file, sizeof file, &w, &h, &f);
		if (er == FF_ENOTFOUND) {
			er = FF_OK;
			continue;
		}
		if (er != FF_OK) {
			fprintf(stderr, "framefit: %s:%zu: malformed annotation\n",
			    path, lineno);
			goto out;
		}
		char name[2048];
		snprintf(name, sizeof name, "%s/images/%s", sub, file);
		struct ds_image *im = ds->n ? &ds->img[ds->n - 1] : NULL;
		/* Caltech lists the faces of one photo on consecutive lines. */
		if (im == NULL || strcmp(im->name, name) != 0) {
			ds->img = xreallocarray(ds->img, ds->n + 1, sizeof *ds->img);
			im = &ds->img[ds->n++];
			memset(im, 0, sizeof *im);
			im->name = xstrdup(name);
			snprintf(path, sizeof path, "%s/%s", root, name);
			im->path = xstrdup(path);
			im->w = w;
			im->h = h;
			im->source = src;
			im->part = ds_part_of(src, name);
			im->val = ds_is_val(name);
		}
		ds_label_centre(&f.pts);
		ds_label_convention(&f.pts, im->part);
		im->faces = xreallocarray(im->faces, im->nfaces + 1, sizeof *im->faces);
		im->faces[im->nfaces++] = f;
		ds->nfaces++;
	}
out:
	free(line);
	fclose(fp);
	return er;
}

void
ds_label_centre(struct landmarks *p)
{
	p->lx -= DS_LABEL_SHIFT; p->ly -= DS_LABEL_SHIFT;
	p->rx -= DS_LABEL_SHIFT; p->ry -= DS_LABEL_SHIFT;
	p->nx -= DS_LABEL_SHIFT; p->ny -= DS_LABEL_SHIFT;
	p->mx -= DS_LABEL_SHIFT; p->my -= DS_LABEL_SHIFT;
}

/* scripts/eye_patches.py over every frontal face of ../shared */
const struct ds_convention ds_conventions[DS_PART__MAX] = {
	[DS_PART_CALTECH] = { -0.0029f, +0.0067f },
	[DS_PART_LFW] = { +0.0004f, -0.0009f },
	[DS_PART_NET] = { +0.0015f, -0.0058f },
};

void
ds_label_convention(struct landmarks *p, enum ds_part part)
{
	float ux = p->rx - p->lx, uy = p->ry - p->ly;
	float iod = hypotf(ux, uy), a, d;

	if ((unsigned)part >= DS_PART__MAX || !(iod > 0))
		return;
	/* the offsets are fractions of iod: (ux, uy) need no normalising */
	a = ds_conventions[part].along_in;
	d = ds_conventions[part].down;
	/* inwards is +u for the image-left eye, -u for the other; down the
	 * face is (-uy, ux) for both */
	p->lx -= a * ux - d * uy;
	p->ly -= a * uy + d * ux;
	p->rx -= -a * ux - d * uy;
	p->ry -= -a * uy + d * ux;
}

enum ff_err
ds_load(const char *root, struct dataset *ds)
{
	enum ff_err er;

	memset(ds, 0, sizeof *ds);
	if ((er = load_one(root, "caltech-webfaces", DS_CALTECH, ds)) != FF_OK ||
	    (er = load_one(root, "mtfl", DS_MTFL, ds)) != FF_OK)
		ds_free(ds);
	return er;
}

void
ds_free(struct dataset *ds)
{
	for (int i = 0; i < ds->n; i++) {
		free(ds->img[i].path);
		free(ds->img[i].name);
		free(ds->img[i].faces);
	}
	free(ds->img);
	memset(ds, 0, sizeof *ds);
}
