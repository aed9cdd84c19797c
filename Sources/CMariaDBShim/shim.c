#include "CMariaDBShim.h"

int metropole_mysql_library_init(void) {
    return mysql_library_init(0, NULL, NULL);
}

int metropole_stmt_update_max_length(MYSQL_STMT *stmt) {
    my_bool on = 1;
    return mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
}

bool metropole_field_is_unsigned(const MYSQL_FIELD *field) {
    return (field->flags & UNSIGNED_FLAG) != 0;
}

bool metropole_field_is_binary(const MYSQL_FIELD *field) {
    // charsetnr 63 is the `binary` collation: BINARY/VARBINARY/BLOB, not text.
    return field->charsetnr == 63;
}

int metropole_set_uint_option(MYSQL *mysql, enum mysql_option option, unsigned int value) {
    return mysql_options(mysql, option, &value);
}

int metropole_set_bool_option(MYSQL *mysql, enum mysql_option option, bool value) {
    my_bool flag = value ? 1 : 0;
    return mysql_options(mysql, option, &flag);
}
