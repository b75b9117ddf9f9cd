// `lstar table`: shows the system call tables and their metadata.
#pragma once

int table_command(int argc, char** argv);
