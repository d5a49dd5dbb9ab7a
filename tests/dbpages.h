/* Damage done to real pages of a real database, for the tests that check nothing is read from a
 * damaged one: its b-tree leaf pages from SQLite's own page map, a cell's bounds from the page's
 * cell pointer array (sqlite.org/fileformat2.html, "B-tree Pages"), flipped and overwritten bytes. */
#ifndef TESTS_DBPAGES_H
#define TESTS_DBPAGES_H

#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#define DB_PAGE 4096              /* SQLite's default page size, which ratelab's databases use */

/* Up to max leaf pages of table `name` in ascending order; their count. */
static inline int db_leaf_pages(const char *path, const char *name, long *pages, int max)
{
    sqlite3 *db;
    int n = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' ORDER BY 1",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            while (n < max && sqlite3_step(st) == SQLITE_ROW) pages[n++] = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* Offset of the page header (page 1 starts with the 100-byte file header). */
static inline long db_page_header(long page) { return (page - 1) * DB_PAGE + (page == 1 ? 100 : 0); }

/* Where cell `cell` of a table b-tree leaf page starts and where its payload ends (the last byte
 * of the record: its last column's value), and the page's number of cells. */
static inline void db_cell_bounds(const char *path, long page, int cell, long *start, long *last, int *n_cells)
{
    unsigned char p[DB_PAGE];
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, (page - 1) * DB_PAGE, SEEK_SET);
    CU_ASSERT_EQUAL(fread(p, 1, DB_PAGE, f), DB_PAGE);
    fclose(f);
    int hdr = page == 1 ? 100 : 0;
    *n_cells = p[hdr + 3] << 8 | p[hdr + 4];
    int off = p[hdr + 8 + 2 * cell] << 8 | p[hdr + 9 + 2 * cell];
    long size = 0;
    int i = off;
    do size = size << 7 | (p[i] & 0x7f); while (p[i++] & 0x80);
    *start = (page - 1) * DB_PAGE + off;
    *last = (page - 1) * DB_PAGE + i + size - 1;
}

/* Offset of the low byte of cell `cell`'s pointer: flipping a bit there bends it 16 bytes. */
static inline long db_cell_pointer(long page, int cell) { return db_page_header(page) + 9 + 2 * cell; }

static inline void db_patch(const char *path, long off, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, off, SEEK_SET);
    fwrite(bytes, 1, n, f);
    fclose(f);
}

static inline void db_flip(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, off, SEEK_SET);
    int c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0x10, f);
    fclose(f);
}

static inline void db_zero_page(const char *path, long page)
{
    static const char zero[DB_PAGE];
    db_patch(path, (page - 1) * DB_PAGE, zero, DB_PAGE);
}

static inline void copy_file(const char *from, const char *to)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp %s %s", from, to);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

#endif
