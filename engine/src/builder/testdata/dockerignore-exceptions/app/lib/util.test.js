test;
