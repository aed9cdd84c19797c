#ifndef METROPOLE_CMARIADB_SHIM_H
#define METROPOLE_CMARIADB_SHIM_H
#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>

/// `mysql_library_init` is a macro in mysql.h; Swift cannot call it. Returns 0 on success.
int metropole_mysql_library_init(void);
/// Asks `mysql_stmt_store_result` to fill `MYSQL_FIELD.max_length`, so result buffers can be
/// sized exactly (the attribute takes a `my_bool *`, which differs between library versions).
int metropole_stmt_update_max_length(MYSQL_STMT *stmt);
/// The `IS_NUM`-style flag macros are function-like; these are the two we need.
bool metropole_field_is_unsigned(const MYSQL_FIELD *field);
bool metropole_field_is_binary(const MYSQL_FIELD *field);
/// `mysql_optionsv` is variadic; these set the options we use with the right pointee types.
int metropole_set_uint_option(MYSQL *mysql, enum mysql_option option, unsigned int value);
int metropole_set_bool_option(MYSQL *mysql, enum mysql_option option, bool value);
#endif
