lib;
