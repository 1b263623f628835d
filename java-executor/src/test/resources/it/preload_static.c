/* A program to be linked statically (gcc -static): the dynamic loader never runs for it. */
int main(void)
{
    return 0;
}
